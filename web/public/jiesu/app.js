// 接诉即办 resident page. Plain script, no framework and no build step: Vite copies it to
// dist/jiesu/. Views by hash: #/ (start), #/new (the form), #/done/NO, #/track[/NO].
// Everything shown from the server is set as text, never as HTML.
(function () {
  'use strict';

  var T = {
    zh: {
      title: '接诉即办',
      emergency: '紧急情况请直接拨打 110',
      privacy: '您的手机号仅用于验证和办理回复，不会公开。',
      intro: '24 小时受理群众对公安工作的咨询、投诉和建议，限时答复，全程可查。',
      start: '我要反映',
      track: '查询办理进度',
      type: '诉求类型',
      topic: '事项类别',
      description: '具体内容',
      description_hint: '请写明时间、地点和经过，不超过 {n} 字。',
      address: '地点',
      optional: '（选填）',
      address_hint: '例如：某某小区 3 号楼附近',
      locate: '使用当前位置',
      located: '已获取位置（精度约 {m} 米）',
      locate_failed: '无法获取位置，请填写地点',
      name: '称呼',
      name_hint: '例如：王先生',
      phone: '手机号码',
      get_code: '获取验证码',
      resend: '{s} 秒后重发',
      code: '短信验证码',
      code_sent: '验证码已发送，{m} 分钟内有效',
      submit: '提交',
      submitting: '正在提交…',
      done_title: '提交成功',
      done_text: '您的诉求已受理。请保存查询编号，凭编号查看办理进度和答复：',
      copy: '复制编号',
      copied: '已复制',
      view: '查看办理进度',
      track_title: '查询办理进度',
      tracking_no: '查询编号',
      query: '查询',
      recent: '最近提交',
      state: '状态',
      colon: '：',
      station: '承办单位',
      received_at: '受理时间',
      deadline: '{label}时限',
      overdue: '已超时',
      met: '已按时完成',
      steps: '办理过程',
      reply: '答复内容',
      back: '返回',
      pick_type: '请选择诉求类型',
      pick_topic: '请选择事项类别',
      need_description: '请填写具体内容',
      too_long: '内容不能超过 {n} 字',
      bad_phone: '请输入正确的 11 位手机号码',
      need_code: '请输入 6 位短信验证码',
      code_wrong: '验证码不正确，还可尝试 {n} 次',
      code_expired: '验证码已失效，请重新获取',
      rate_limited: '操作过于频繁，请 {s} 秒后再试',
      duplicate: '您刚刚已提交过相同的诉求（编号 {no}），无需重复提交',
      sms_unavailable: '短信服务暂时不可用，请稍后再试',
      not_found: '没有找到该编号的诉求，请核对后再试',
      failed: '提交失败，请稍后再试',
      network: '网络连接失败，请检查网络后再试',
    },
    en: {
      title: 'Citizen requests',
      emergency: 'In an emergency call 110',
      privacy: 'Your phone number is used only to verify you and to reply; it is never published.',
      intro:
        'Questions, complaints and suggestions about police work, received 24 hours a day, answered within set deadlines, with every step visible.',
      start: 'Make a request',
      track: 'Check progress',
      type: 'Type',
      topic: 'About',
      description: 'Details',
      description_hint: 'When, where and what happened; at most {n} characters.',
      address: 'Place',
      optional: '(optional)',
      address_hint: 'e.g. near building 3 of a housing estate',
      locate: 'Use my location',
      located: 'Location found (about {m} m)',
      locate_failed: 'Location unavailable; please describe the place',
      name: 'How to address you',
      name_hint: 'e.g. Mr Wang',
      phone: 'Mobile number',
      get_code: 'Send code',
      resend: 'Resend in {s} s',
      code: 'SMS code',
      code_sent: 'Code sent; valid for {m} minutes',
      submit: 'Submit',
      submitting: 'Submitting…',
      done_title: 'Received',
      done_text: 'Your request has been received. Keep this number to follow its progress:',
      copy: 'Copy number',
      copied: 'Copied',
      view: 'See progress',
      track_title: 'Check progress',
      tracking_no: 'Tracking number',
      query: 'Look up',
      recent: 'Recently submitted',
      state: 'Status',
      colon: ': ',
      station: 'Handled by',
      received_at: 'Received',
      deadline: '{label} due',
      overdue: 'overdue',
      met: 'met',
      steps: 'Steps',
      reply: 'Reply',
      back: 'Back',
      pick_type: 'Choose a type',
      pick_topic: 'Choose what it is about',
      need_description: 'Please describe your request',
      too_long: 'At most {n} characters',
      bad_phone: 'Enter an 11-digit mainland mobile number',
      need_code: 'Enter the 6-digit code from the SMS',
      code_wrong: 'Wrong code; {n} tries left',
      code_expired: 'The code has expired; request a new one',
      rate_limited: 'Too many attempts; try again in {s} s',
      duplicate: 'You have just submitted the same request ({no})',
      sms_unavailable: 'SMS is unavailable right now; try again later',
      not_found: 'No request with this number; please check it',
      failed: 'Could not submit; please try again later',
      network: 'Network error; check your connection',
    },
  };
  var TYPE_EN = { consultation: 'Question', complaint: 'Complaint', suggestion: 'Suggestion' };
  var TOPIC_EN = {
    public_order: 'Public order',
    dispute: 'Disputes',
    documents: 'ID & documents',
    traffic: 'Traffic',
    other: 'Other',
  };

  // The server's labels are Chinese; in English the page names states, deadlines and steps by
  // their codes.
  var STATE_EN = {
    received: 'Received, awaiting assignment',
    assigned: 'Being handled',
    responded: 'Answered',
    closed: 'Closed',
    rejected: 'Not accepted',
  };
  var SLA_EN = { first_response: 'First answer', handled: 'Handling' };
  var STEP_EN = {
    open: 'Received',
    assign: 'Assigned to a station',
    respond: 'Answered',
    close: 'Closed',
    reject: 'Not accepted',
    reopen: 'Reopened',
  };

  var lang = localStorage.getItem('jiesu.lang') === 'en' ? 'en' : 'zh';
  var services = null; // GET /api/public/services
  var draft = { type: '', topic: '', description: '', address: '', name: '', phone: '', code: '' };
  var here = null; // the resident's position, {lon, lat}
  var resendTimer = null;
  var app = document.getElementById('app');

  function t(key, vars) {
    var s = (T[lang] && T[lang][key]) || T.zh[key] || key;
    if (vars) {
      Object.keys(vars).forEach(function (k) {
        s = s.replace('{' + k + '}', String(vars[k]));
      });
    }
    return s;
  }

  // h('p', {class: 'x'}, 'text', child...): an element; strings become text nodes.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
        else if (k === 'text') el.textContent = v;
        else el.setAttribute(k, v === true ? '' : v);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return el;
  }

  function show() {
    app.textContent = '';
    for (var i = 0; i < arguments.length; i++) if (arguments[i]) app.appendChild(arguments[i]);
    window.scrollTo(0, 0);
  }

  function chars(s) {
    return Array.from(s || '').length;
  }

  function when(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    // Deadlines are the district's (China Standard Time), whatever the phone's zone.
    return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: 'Asia/Shanghai',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  }

  // fetch JSON; resolves {status, body, retryAfter}; network failures resolve status 0.
  function call(method, path, body) {
    var init = { method: method, headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(
      function (r) {
        return r.text().then(function (text) {
          var parsed = null;
          try {
            parsed = JSON.parse(text);
          } catch (e) {
            parsed = null;
          }
          return {
            status: r.status,
            body: parsed || {},
            retryAfter: Number(r.headers.get('Retry-After') || 0),
          };
        });
      },
      function () {
        return { status: 0, body: {}, retryAfter: 0 };
      },
    );
  }

  // The page's words for an error answer of the public API.
  function explain(r) {
    var b = r.body || {};
    var msg = b.message || '';
    if (r.status === 0) return t('network');
    if (r.status === 429) {
      if (b.tracking_no) return t('duplicate', { no: b.tracking_no });
      return t('rate_limited', { s: r.retryAfter || 60 });
    }
    if (r.status === 413) return t('too_long', { n: services ? services.limits.description_max_chars : 2000 });
    if (r.status === 503) return t('sms_unavailable');
    if (r.status === 404) return t('not_found');
    if (b.field === 'phone') return t('bad_phone');
    if (b.field === 'code') {
      var m = /(\d+) tries left/.exec(msg);
      if (m) return t('code_wrong', { n: m[1] });
      return t('code_expired');
    }
    if (b.field === 'description') return t('need_description');
    if (b.field === 'type') return t('pick_type');
    if (b.field === 'topic') return t('pick_topic');
    return t('failed');
  }

  function loadServices() {
    if (services) return Promise.resolve(services);
    return call('GET', '/api/public/services').then(function (r) {
      if (r.status === 200) services = r.body;
      return services;
    });
  }

  function recent() {
    try {
      return JSON.parse(localStorage.getItem('jiesu.recent') || '[]');
    } catch (e) {
      return [];
    }
  }
  function remember(no) {
    var list = recent().filter(function (x) {
      return x !== no;
    });
    list.unshift(no);
    localStorage.setItem('jiesu.recent', JSON.stringify(list.slice(0, 5)));
  }

  // ---------------------------------------------------------------------------------------
  function viewStart() {
    show(
      h(
        'section',
        { class: 'card' },
        h('h1', { text: t('title') }),
        h('p', { class: 'muted', text: t('intro') }),
        h(
          'div',
          { class: 'big-buttons' },
          h('a', { class: 'btn', href: '#/new', text: t('start') }),
          h('a', { class: 'btn secondary', href: '#/track', text: t('track') }),
        ),
      ),
    );
  }

  function chipGroup(items, current, onPick) {
    var group = h('div', { class: 'chips', role: 'group' });
    items.forEach(function (item) {
      var b = h('button', {
        type: 'button',
        class: 'chip',
        'aria-pressed': item.code === current ? 'true' : 'false',
        text: item.label,
        onclick: function () {
          Array.prototype.forEach.call(group.children, function (c) {
            c.setAttribute('aria-pressed', 'false');
          });
          b.setAttribute('aria-pressed', 'true');
          onPick(item.code);
        },
      });
      b.dataset.code = item.code;
      group.appendChild(b);
    });
    return group;
  }

  function viewNew() {
    loadServices().then(function (s) {
      if (!s) {
        show(h('section', { class: 'card' }, h('p', { class: 'error', text: t('network') })));
        return;
      }
      var max = s.limits.description_max_chars;
      var error = h('p', { class: 'error', role: 'alert' });
      var codeNote = h('p', { class: 'hint' });
      var counter = h('span', { class: 'hint' });
      var locNote = h('p', { class: 'hint' });

      var types = s.types.map(function (x) {
        return { code: x.code, label: lang === 'en' ? TYPE_EN[x.code] || x.name : x.name };
      });
      var topics = s.topics.map(function (x) {
        return { code: x.code, label: lang === 'en' ? TOPIC_EN[x.code] || x.name : x.name };
      });
      var topicHint = h('p', { class: 'hint' });
      function describeTopic(code) {
        var found = s.topics.filter(function (x) {
          return x.code === code;
        })[0];
        topicHint.textContent = found && lang === 'zh' ? found.description : '';
      }
      describeTopic(draft.topic);

      var description = h('textarea', {
        id: 'description',
        maxlength: String(max * 2),
        placeholder: t('description_hint', { n: max }),
      });
      description.value = draft.description;
      function count() {
        var n = chars(description.value);
        counter.textContent = n + ' / ' + max;
        counter.className = n > max ? 'error' : 'hint';
      }
      description.addEventListener('input', function () {
        draft.description = description.value;
        count();
      });
      count();

      var address = h('input', { id: 'address', type: 'text', maxlength: '200', placeholder: t('address_hint') });
      address.value = draft.address;
      address.addEventListener('input', function () {
        draft.address = address.value;
      });
      var locate = h('button', {
        type: 'button',
        class: 'btn secondary',
        text: t('locate'),
        onclick: function () {
          if (!navigator.geolocation) {
            locNote.textContent = t('locate_failed');
            return;
          }
          navigator.geolocation.getCurrentPosition(
            function (p) {
              here = { lon: p.coords.longitude, lat: p.coords.latitude };
              locNote.textContent = t('located', { m: Math.round(p.coords.accuracy || 0) });
            },
            function () {
              here = null;
              locNote.textContent = t('locate_failed');
            },
            { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
          );
        },
      });

      var name = h('input', { id: 'name', type: 'text', maxlength: '50', placeholder: t('name_hint') });
      name.value = draft.name;
      name.addEventListener('input', function () {
        draft.name = name.value;
      });
      var phone = h('input', { id: 'phone', type: 'tel', inputmode: 'numeric', autocomplete: 'tel', maxlength: '20' });
      phone.value = draft.phone;
      phone.addEventListener('input', function () {
        draft.phone = phone.value;
      });
      var code = h('input', {
        id: 'code',
        type: 'text',
        inputmode: 'numeric',
        autocomplete: 'one-time-code',
        maxlength: '6',
      });
      code.value = draft.code;
      code.addEventListener('input', function () {
        draft.code = code.value.replace(/\D/g, '');
      });

      var getCode = h('button', { type: 'button', class: 'btn', id: 'get-code', text: t('get_code') });
      function countdown(seconds) {
        clearInterval(resendTimer);
        var left = seconds;
        getCode.disabled = true;
        getCode.textContent = t('resend', { s: left });
        resendTimer = setInterval(function () {
          left -= 1;
          if (left <= 0) {
            clearInterval(resendTimer);
            getCode.disabled = false;
            getCode.textContent = t('get_code');
          } else {
            getCode.textContent = t('resend', { s: left });
          }
        }, 1000);
      }
      getCode.addEventListener('click', function () {
        error.textContent = '';
        if (!/^(\+?86)?1[3-9]\d{9}$/.test(phone.value.replace(/[\s-]/g, ''))) {
          error.textContent = t('bad_phone');
          return;
        }
        getCode.disabled = true;
        call('POST', '/api/public/verify', { phone: phone.value }).then(function (r) {
          if (r.status === 202) {
            codeNote.textContent = t('code_sent', { m: Math.round((r.body.expires_in_s || 600) / 60) });
            codeNote.className = 'hint ok';
            countdown(60);
            code.focus();
          } else {
            getCode.disabled = false;
            error.textContent = explain(r);
            if (r.status === 429 && r.retryAfter) countdown(r.retryAfter);
          }
        });
      });

      var submit = h('button', { type: 'submit', class: 'btn', id: 'submit', text: t('submit') });
      var form = h(
        'form',
        {
          class: 'card',
          novalidate: true,
          onsubmit: function (e) {
            e.preventDefault();
            error.textContent = '';
            if (!draft.type) return (error.textContent = t('pick_type'));
            if (!draft.topic) return (error.textContent = t('pick_topic'));
            if (!description.value.trim()) return (error.textContent = t('need_description'));
            if (chars(description.value.trim()) > max) return (error.textContent = t('too_long', { n: max }));
            if (!/^(\+?86)?1[3-9]\d{9}$/.test(phone.value.replace(/[\s-]/g, '')))
              return (error.textContent = t('bad_phone'));
            if (!/^\d{6}$/.test(draft.code)) return (error.textContent = t('need_code'));
            var body = {
              type: draft.type,
              topic: draft.topic,
              description: description.value.trim(),
              phone: phone.value,
              code: draft.code,
            };
            if (address.value.trim()) body.address = address.value.trim();
            if (name.value.trim()) body.name = name.value.trim();
            if (here) {
              body.lon = here.lon;
              body.lat = here.lat;
            }
            submit.disabled = true;
            submit.textContent = t('submitting');
            call('POST', '/api/public/requests', body).then(function (r) {
              submit.disabled = false;
              submit.textContent = t('submit');
              if (r.status === 201 && r.body.tracking_no) {
                remember(r.body.tracking_no);
                draft = { type: '', topic: '', description: '', address: '', name: '', phone: '', code: '' };
                here = null;
                window.location.hash = '#/done/' + encodeURIComponent(r.body.tracking_no);
              } else {
                error.textContent = explain(r);
              }
            });
          },
        },
        h('label', { text: t('type') }),
        chipGroup(types, draft.type, function (c) {
          draft.type = c;
        }),
        h('label', { text: t('topic') }),
        chipGroup(topics, draft.topic, function (c) {
          draft.topic = c;
          describeTopic(c);
        }),
        topicHint,
        h('label', { for: 'description' }, t('description'), ' ', counter),
        description,
        h('label', { for: 'address' }, t('address'), h('span', { class: 'opt', text: t('optional') })),
        address,
        h('div', { style: 'margin-top:8px' }, locate),
        locNote,
        h('label', { for: 'name' }, t('name'), h('span', { class: 'opt', text: t('optional') })),
        name,
        h('label', { for: 'phone', text: t('phone') }),
        h('div', { class: 'row' }, phone, getCode),
        h('label', { for: 'code', text: t('code') }),
        code,
        codeNote,
        error,
        h('div', { style: 'margin-top:16px' }, submit),
      );
      show(form, h('a', { class: 'btn secondary', href: '#/', text: t('back') }));
    });
  }

  function viewDone(no) {
    var copy = h('button', {
      type: 'button',
      class: 'btn secondary',
      text: t('copy'),
      onclick: function () {
        if (navigator.clipboard) navigator.clipboard.writeText(no);
        copy.textContent = t('copied');
      },
    });
    show(
      h(
        'section',
        { class: 'card' },
        h('h1', { class: 'ok', text: t('done_title') }),
        h('p', { text: t('done_text') }),
        h('p', { class: 'tracking', id: 'tracking-no', text: no }),
        h(
          'div',
          { class: 'big-buttons' },
          copy,
          h('a', { class: 'btn', href: '#/track/' + encodeURIComponent(no), text: t('view') }),
        ),
      ),
    );
  }

  function viewTrack(no) {
    var input = h('input', { id: 'tracking', type: 'text', placeholder: 'JS-XXXX-XXXX-XXXX', autocapitalize: 'characters' });
    input.value = no || '';
    var result = h('div', { id: 'result' });
    var list = recent();
    var form = h(
      'form',
      {
        class: 'card',
        onsubmit: function (e) {
          e.preventDefault();
          var v = input.value.trim();
          if (v) window.location.hash = '#/track/' + encodeURIComponent(v);
        },
      },
      h('h1', { text: t('track_title') }),
      h('label', { for: 'tracking', text: t('tracking_no') }),
      h('div', { class: 'row' }, input, h('button', { type: 'submit', class: 'btn', text: t('query') })),
      list.length
        ? h(
            'div',
            { class: 'recent' },
            h('p', { class: 'hint', text: t('recent') }),
            ...list.map(function (x) {
              return h('a', { href: '#/track/' + encodeURIComponent(x), text: x });
            }),
          )
        : null,
    );
    show(form, result, h('a', { class: 'btn secondary', href: '#/', text: t('back') }));
    if (!no) return;
    call('GET', '/api/public/requests/' + encodeURIComponent(no)).then(function (r) {
      if (r.status !== 200) {
        result.appendChild(h('section', { class: 'card' }, h('p', { class: 'error', text: explain(r) })));
        return;
      }
      result.appendChild(renderRequest(r.body));
    });
  }

  function renderRequest(q) {
    var stateClass = 'status' + (q.is_open ? '' : ' closed') + (q.is_overdue && q.is_open ? ' late' : '');
    var dl = h(
      'dl',
      null,
      h('dt', { text: t('tracking_no') }),
      h('dd', { text: q.tracking_no }),
      h('dt', { text: t('type') }),
      h('dd', { text: (lang === 'en' ? TYPE_EN[q.type] : q.type_name) + ' · ' + (lang === 'en' ? TOPIC_EN[q.topic] : q.topic_name) }),
      h('dt', { text: t('received_at') }),
      h('dd', { text: when(q.received_at) }),
      q.station ? h('dt', { text: t('station') }) : null,
      q.station ? h('dd', { text: q.station }) : null,
    );
    (q.deadlines || []).forEach(function (d) {
      var note = d.met_at ? ' · ' + t('met') : d.is_overdue ? ' · ' + t('overdue') : '';
      var label = lang === 'en' ? SLA_EN[d.name] || d.name : d.label;
      dl.appendChild(h('dt', { text: t('deadline', { label: label }) }));
      dl.appendChild(h('dd', { class: d.is_overdue ? 'error' : null, text: when(d.due) + note }));
    });
    var steps = h('ol', { class: 'steps' });
    (q.steps || []).forEach(function (s) {
      steps.appendChild(
        h(
          'li',
          null,
          h('span', { class: 'when', text: when(s.at) }),
          h('span', { text: lang === 'en' ? STEP_EN[s.step] || s.label : s.label }),
          s.detail ? h('div', { class: 'reply', text: s.detail }) : null,
        ),
      );
    });
    return h(
      'section',
      { class: 'card', id: 'request' },
      h(
        'h2',
        null,
        t('state') + t('colon'),
        h('span', { class: stateClass, id: 'state', text: lang === 'en' ? STATE_EN[q.state] || q.state_name : q.state_name }),
      ),
      dl,
      q.reply ? h('h2', { style: 'margin-top:14px', text: t('reply') }) : null,
      q.reply ? h('div', { class: 'reply', id: 'reply', text: q.reply }) : null,
      h('h2', { style: 'margin-top:14px', text: t('steps') }),
      steps,
    );
  }

  function route() {
    var hash = window.location.hash.replace(/^#/, '') || '/';
    var parts = hash.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'new') return viewNew();
    if (parts[0] === 'done' && parts[1]) return viewDone(parts[1]);
    if (parts[0] === 'track') return viewTrack(parts[1] || '');
    return viewStart();
  }

  function applyLanguage() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.title = t('title') + (lang === 'en' ? ' · Pingan' : ' · 平安');
    document.getElementById('lang').textContent = lang === 'en' ? '中文' : 'English';
    Array.prototype.forEach.call(document.querySelectorAll('[data-t]'), function (el) {
      el.textContent = t(el.getAttribute('data-t'));
    });
  }

  document.getElementById('lang').addEventListener('click', function () {
    lang = lang === 'en' ? 'zh' : 'en';
    localStorage.setItem('jiesu.lang', lang);
    applyLanguage();
    route();
  });
  window.addEventListener('hashchange', route);
  applyLanguage();
  route();
})();
