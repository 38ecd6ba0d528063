import { createRouter, createWebHashHistory } from 'vue-router';
import { storedSession } from './api/client';
import LoginView from './views/LoginView.vue';
import CommandView from './views/CommandView.vue';
import IntakeView from './views/IntakeView.vue';
import IncidentView from './views/IncidentView.vue';

// Hash history: dist/ works from any path without the server knowing the console's routes.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', component: LoginView, meta: { public: true } },
    { path: '/', component: CommandView },
    { path: '/intake', component: IntakeView },
    { path: '/incidents/:id(\\d+)', component: IncidentView, props: (r) => ({ id: Number(r.params.id) }) },
    // Whole-width views (App.vue), loaded when first opened. /cases/{id} opens a case's drawer.
    {
      path: '/cases/:id(\\d+)?',
      component: () => import('./views/CasesView.vue'),
      meta: { wide: true },
      props: (r) => ({ id: r.params.id ? Number(r.params.id) : null }),
    },
    { path: '/satisfaction', component: () => import('./views/SatisfactionView.vue'), meta: { wide: true } },
    // /places/{id} opens a place's drawer.
    {
      path: '/places/:id(\\d+)?',
      component: () => import('./views/PlacesView.vue'),
      meta: { wide: true },
      props: (r) => ({ id: r.params.id ? Number(r.params.id) : null }),
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach((to) => {
  if (!to.meta.public && !storedSession()) {
    return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  }
  return true;
});
