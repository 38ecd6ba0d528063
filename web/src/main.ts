import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { i18n, setLocale, currentLocale } from './i18n';
import { installElementPlus } from './plugins';
import { clearSession, setUnauthorizedHandler } from './api/client';
import { stopLive } from './store/ops';
import './styles.css';

setUnauthorizedHandler(() => {
  stopLive();
  clearSession();
  void router.push('/login');
});

const app = createApp(App);
app.use(i18n);
app.use(router);
installElementPlus(app);
setLocale(currentLocale());
app.mount('#app');
