/* The wish wall: members browse their community's open wishes, claim or join one, and look
   after what they hold. Plain DOM, no framework: every text from the server is set with
   textContent, never as HTML, because wish descriptions are typed by people. */
(function () {
  'use strict';

  var TEXTS = {
    zh: {
      title: '心愿墙', tab_wall: '心愿墙', tab_mine: '我的心愿', search: '搜索心愿，如：电暖器',
      filters: '筛选与排序', category: '类别', branch: '支部', min_value: '最低价值（元）',
      max_value: '最高价值（元）', due_within: '截止', any: '全部', within_3: '3 天内',
      within_7: '7 天内', within_14: '14 天内', within_30: '30 天内', sort: '排序',
      sort_due: '最早截止', sort_new: '最新发布', reset: '清除筛选', load_more: '加载更多',
      count: '共 {n} 个心愿等待认领', count_none: '没有符合条件的心愿', loading: '加载中…',
      value: '价值', due: '截止', branch_short: '支部', yuan: '¥{v}',
      days_left: '剩 {n} 天', due_today: '今天截止', overdue: '已逾期 {n} 天',
      claim: '认领', join: '加入 {have}/{need}', joint: '帮帮团 · 已有 {have}/{need} 人',
      mine_badge: '我的', taken: '已被认领', see_mine: '在“我的心愿”查看',
      mine_count: '你正在负责 {n} 个心愿', needs: '还差 {n} 人', mine_none: '你还没有认领心愿。去心愿墙看看吧。',
      name: '姓名', phone: '电话', address: '地址', note: '送达说明',
      release: '放弃认领', extend: '需要更多时间', deliver: '标记已送达',
      release_reason: '为什么放弃？（协调员会看到）', release_go: '确认放弃',
      extend_date: '新的截止日期', extend_go: '申请延期',
      deliver_note: '送达说明（可不填）', deliver_photo: '照片（可不选）', deliver_go: '确认已送达',
      deliver_hours: '服务时长（小时，可不填；不填按社区默认 {h} 小时）', release_other: '请写几句原因',
      record_title: '我的服务记录 · {from} 至 {to}', r_wishes: '圆梦心愿', r_hours: '服务小时', r_points: '积分',
      cancel: '取消', awaiting: '已送达，等待协调员确认',
      network: '网络错误，请稍后再试。', no_init: '请从 Telegram 里打开心愿墙。',
      expired: '登录已过期，请从 Telegram 重新打开心愿墙。',
      not_open: '{code} 已不在心愿墙上（可能已被认领）。', demo_switch: '演示：换个身份',
      photo_unusable: '这张照片无法使用，请换一张 JPEG 或 PNG 照片。',
      tab_dash: '统计', c_pending: '待核查', c_verified: '待发布', c_open: '待认领', c_claimed: '已认领',
      c_delivered: '待确认', c_overdue: '逾期', this_week: '本周完成率（{week}）',
      rate_line: '{done}/{due} 个到期心愿已圆梦', no_due: '本周还没有到期的心愿',
      weeks_title: '近几周完成率', branches_title: '各支部 · {week}', col_branch: '支部',
      col_due: '到期', col_done: '圆梦', col_rate: '完成率', col_overdue: '逾期',
      overdue_title: '逾期未送达', late_by: '逾期 {n} 天', held_by: '认领人：{names}',
      pending_title: '等待核查', none: '暂无',
      extend_c: '延期', reassign: '改派', keep_chasing: '继续催办', set_due: '确定新日期',
      reassign_to: '改派给', back_to_open: '放回待认领（任何人可认领）', holds: '负责 {n} 个',
      new_due_opt: '新的截止日期（可不填）', reassign_go: '确认改派',
      verify: '核查通过', reject: '退回', reject_reason: '退回原因（录入人会看到）', reject_go: '确认退回',
      own_wish: '你录入的心愿：本社区要求由另一位协调员核查',
      repeat: '重复受助：近 {months} 个月已有 {codes}',
      details_hint: '核查需要看受助人姓名和电话时，请在与机器人的私聊里发送 /wish 加编号。',
      verified_title: '待发布', post: '发布', post_to: '发布到', all_groups: '所有绑定的群',
      post_go: '确认发布', auto_balance: '自动均衡分配', plan_total: '共 {n} 个心愿，按各支部志愿者人数分配：',
      plan_line: '{name}：{count} 个（{members} 名志愿者）', post_plan: '按此方案发布',
      sheet_title: '认领统计表', sheet_full: '下载完整版', sheet_public: '下载公开版',
      sheet_hint: '完整版含受助人姓名、电话和地址，仅供协调员使用；公开版已隐去这些信息。',
      period: '时间范围', period_year: '{y} 年', period_h1: '{y} 年上半年', period_h2: '{y} 年下半年',
      sheet_ready: '已下载 {name}'
    },
    en: {
      title: 'Wish wall', tab_wall: 'Wish wall', tab_mine: 'My wishes', search: 'Search wishes, e.g. heater',
      filters: 'Filter and sort', category: 'Category', branch: 'Branch', min_value: 'Min value (yuan)',
      max_value: 'Max value (yuan)', due_within: 'Due', any: 'Any', within_3: 'within 3 days',
      within_7: 'within 7 days', within_14: 'within 14 days', within_30: 'within 30 days', sort: 'Sort',
      sort_due: 'Due soonest', sort_new: 'Newest', reset: 'Clear filters', load_more: 'Load more',
      count: '{n} wishes waiting for someone', count_none: 'No wish matches these filters', loading: 'Loading…',
      value: 'Value', due: 'Due', branch_short: 'Branch', yuan: '¥{v}',
      days_left: '{n} days left', due_today: 'due today', overdue: '{n} days overdue',
      claim: 'Claim', join: 'Join {have}/{need}', joint: 'Joint wish · {have}/{need} members',
      mine_badge: 'Mine', taken: 'Taken', see_mine: 'See it in My wishes',
      mine_count: 'Wishes you hold: {n}', needs: '{n} more needed', mine_none: 'You hold no wish yet. Have a look at the wall.',
      name: 'Name', phone: 'Phone', address: 'Address', note: 'Delivery note',
      release: 'Release', extend: 'Need more time', deliver: 'Mark delivered',
      release_reason: 'Why do you release it? (the coordinators see this)', release_go: 'Release it',
      extend_date: 'New due date', extend_go: 'Ask for more time',
      deliver_note: 'Note (optional)', deliver_photo: 'Photo (optional)', deliver_go: 'Delivered',
      deliver_hours: 'Service hours (optional; left empty: the community\'s {h} h)', release_other: 'The reason, in a few words',
      record_title: 'My service record · {from} to {to}', r_wishes: 'wishes fulfilled', r_hours: 'hours of service', r_points: 'points',
      cancel: 'Cancel', awaiting: 'Delivered, waiting for a coordinator to confirm',
      network: 'Network error, please try again.', no_init: 'Please open the wish wall from Telegram.',
      expired: 'Your sign-in has expired: open the wish wall from Telegram again.',
      not_open: '{code} is not on the wall any more (someone may have claimed it).',
      demo_switch: 'Demo: be someone else',
      photo_unusable: 'This photo cannot be used: please choose a JPEG or PNG picture.',
      tab_dash: 'Dashboard', c_pending: 'To verify', c_verified: 'To post', c_open: 'Open', c_claimed: 'Claimed',
      c_delivered: 'To confirm', c_overdue: 'Overdue', this_week: 'Completion this week ({week})',
      rate_line: '{done} of {due} wishes due were fulfilled', no_due: 'No wish has come due this week yet',
      weeks_title: 'Completion rate by week', branches_title: 'Branches · {week}', col_branch: 'Branch',
      col_due: 'Due', col_done: 'Done', col_rate: 'Rate', col_overdue: 'Late',
      overdue_title: 'Overdue, not delivered', late_by: '{n} days late', held_by: 'Held by {names}',
      pending_title: 'Waiting for verification', none: 'None',
      extend_c: 'Extend', reassign: 'Reassign', keep_chasing: 'Keep chasing', set_due: 'Set the due date',
      reassign_to: 'Give it to', back_to_open: 'Back to open (anyone may claim it)', holds: 'holds {n}',
      new_due_opt: 'New due date (optional)', reassign_go: 'Reassign',
      verify: 'Verify', reject: 'Reject', reject_reason: 'Why is it rejected? (its creator sees this)', reject_go: 'Reject it',
      own_wish: 'You entered this one: your community wants another coordinator to verify it',
      repeat: 'Repeat beneficiary: had {codes} in the last {months} months',
      details_hint: 'To see the beneficiary\'s name and phone while verifying, send /wish and the code in your chat with the bot.',
      verified_title: 'To post', post: 'Post', post_to: 'Post to', all_groups: 'every bound group',
      post_go: 'Post it', auto_balance: 'Auto-balance', plan_total: '{n} wishes, spread by each branch\'s members:',
      plan_line: '{name}: {count} ({members} members)', post_plan: 'Post this plan',
      sheet_title: 'Claim sheet', sheet_full: 'Download the full sheet', sheet_public: 'Download the public sheet',
      sheet_hint: 'The full sheet names beneficiaries with phone and address, for coordinators only; the public one leaves them out.',
      period: 'Period', period_year: '{y}', period_h1: 'first half of {y}', period_h2: 'second half of {y}',
      sheet_ready: 'Downloaded {name}'
    }
  };
  var PAGE = 20;
  var MAX_REASON = 500;  // bot/wishes/graph.py
  var PHOTO_MAX_BYTES = 4 * 1024 * 1024;
  var PHOTO_MAX_SIDE = 1600;

  var TG = window.Telegram && window.Telegram.WebApp;
  var state = { lang: 'zh', init: '', startCode: null, offset: 0, total: 0, mine: {}, seq: 0, dash: null, members: {},
    reasons: [] };

  function $(id) { return document.getElementById(id); }

  function t(key, params) {
    var text = (TEXTS[state.lang] || TEXTS.zh)[key] || TEXTS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return params && params[name] !== undefined ? String(params[name]) : '';
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === 'text') node.textContent = value;
      else if (name === 'className') node.className = value;
      else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  // --- Who is asking: Telegram's signed initData -------------------------------------------

  /* Telegram hands a Mini App its launch data in the URL's fragment (tgWebAppData, ...), which
     its script parses into Telegram.WebApp. Reading the fragment ourselves when the script could
     not load gives the same data, signed the same way; the server checks it either way. */
  function launchParams() {
    var hash = new URLSearchParams(location.hash.replace(/^#/, ''));
    var saved = {};
    try { saved = JSON.parse(sessionStorage.getItem('wishwall.launch') || '{}'); } catch (e) { saved = {}; }
    var found = {
      data: hash.get('tgWebAppData') || saved.data || '',
      start: hash.get('tgWebAppStartParam') || saved.start || '',
      theme: hash.get('tgWebAppThemeParams') || saved.theme || '',
      platform: hash.get('tgWebAppPlatform') || saved.platform || ''
    };
    try { sessionStorage.setItem('wishwall.launch', JSON.stringify(found)); } catch (e) { /* private mode */ }
    return found;
  }

  function applyTheme(json) {
    var theme;
    try { theme = JSON.parse(json); } catch (e) { return; }
    Object.keys(theme || {}).forEach(function (key) {
      if (/^[a-z_]+$/.test(key) && /^#[0-9a-fA-F]{3,8}$/.test(theme[key])) {
        document.documentElement.style.setProperty('--tg-theme-' + key.replace(/_/g, '-'), theme[key]);
      }
    });
  }

  /* The wish a link opened the wall at, wherever Telegram put it: a direct link's
     t.me/<bot>/<app>?startapp=W-0042 reaches the page as ?tgWebAppStartParam=W-0042 in the URL's
     query (Telegram documents it for direct links), Telegram's script gives it as start_param, the
     fragment and the signed initData carry it too; ?startapp= is the demo's and a plain link's. */
  function startCode(search, launchStart, unsafeStart, initData) {
    var query = new URLSearchParams(search || '');
    var start = query.get('startapp') || query.get('tgWebAppStartParam') || unsafeStart || launchStart;
    if (!start && initData) start = new URLSearchParams(initData).get('start_param');
    return normaliseCode(start);
  }

  function readLaunch() {
    var launch = launchParams();
    var unsafe = (TG && TG.initDataUnsafe) || {};
    state.init = (TG && TG.initData) || launch.data;
    var user = unsafe.user;
    if (!user && state.init) {
      try { user = JSON.parse(new URLSearchParams(state.init).get('user') || 'null'); } catch (e) { user = null; }
    }
    state.startCode = startCode(location.search, launch.start, unsafe.start_param, state.init);
    state.lang = langOf(user && user.language_code);
    if (!TG && launch.theme) applyTheme(launch.theme);
    if (launch.platform === 'demo') $('demo-switch').hidden = false;
  }

  function langOf(code) {
    code = String(code || '').toLowerCase();
    if (code.indexOf('zh') === 0) return 'zh';
    if (code) return 'en';
    return (navigator.language || '').toLowerCase().indexOf('zh') === 0 ? 'zh' : 'en';
  }

  function normaliseCode(raw) {
    var match = /^\s*w-?0*(\d{1,9})\s*$/i.exec(raw || '');
    if (!match) return null;
    var digits = match[1];
    while (digits.length < 4) digits = '0' + digits;
    return 'W-' + digits;
  }

  // --- The server ----------------------------------------------------------------------------

  function api(method, path, body) {
    var options = { method: method, headers: { Authorization: 'tma ' + state.init } };
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers['Content-Type'] = 'application/json';
    }
    return fetch('api/' + path, options).then(function (response) {
      return response.json().catch(function () { return { ok: false }; }).then(function (data) {
        data = data || {};
        data.status = response.status;
        if (response.status === 401) showNotice(t('expired'));
        return data;
      });
    }, function () {
      toast(t('network'));
      return { ok: false, status: 0, message: t('network') };
    });
  }

  // --- The page around the lists --------------------------------------------------------------

  function translatePage() {
    document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    Array.prototype.forEach.call(document.querySelectorAll('[data-t]'), function (node) {
      node.textContent = t(node.getAttribute('data-t'));
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-t-placeholder]'), function (node) {
      node.placeholder = t(node.getAttribute('data-t-placeholder'));
    });
  }

  function showNotice(text) {
    var notice = $('notice');
    notice.textContent = text;
    notice.hidden = !text;
  }

  var toastTimer = null;
  function toast(text) {
    var box = $('toast');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 4000);
  }

  function haptic(kind) {
    if (TG && TG.HapticFeedback && TG.isVersionAtLeast && TG.isVersionAtLeast('6.1')) {
      TG.HapticFeedback.notificationOccurred(kind);
    }
  }

  function showTab(name) {
    ['wall', 'mine', 'dash'].forEach(function (tab) {
      $('tab-' + tab).setAttribute('aria-selected', String(tab === name));
      $(tab).hidden = tab !== name;
    });
    if (name === 'mine') loadMine();
    if (name === 'dash') loadDash();
  }

  function fillChoices(select, items, valueOf, labelOf) {
    if (select.options.length > 1) return;
    items.forEach(function (item) {
      select.appendChild(el('option', { value: String(valueOf(item)), text: labelOf(item) }));
    });
  }

  // --- Cards ---------------------------------------------------------------------------------

  function daysUntil(isoDay) {
    var parts = isoDay.split('-').map(Number);
    var due = Date.UTC(parts[0], parts[1] - 1, parts[2]);
    var now = new Date();
    var today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    return Math.round((due - today) / 86400000);
  }

  function dueText(isoDay) {
    var left = daysUntil(isoDay);
    if (left > 0) return isoDay + ' · ' + t('days_left', { n: left });
    if (left === 0) return isoDay + ' · ' + t('due_today');
    return isoDay + ' · ' + t('overdue', { n: -left });
  }

  function fact(label, value, className) {
    return el('div', null, [el('dt', { text: label }), el('dd', { text: value, className: className })]);
  }

  function cardBody(wish, badge) {
    var soon = daysUntil(wish.due_date) <= 3;
    var facts = [];
    if (wish.value_yuan !== null && wish.value_yuan !== undefined) {
      facts.push(fact(t('value'), t('yuan', { v: wish.value_yuan })));
    }
    facts.push(fact(t('due'), dueText(wish.due_date), soon ? 'soon' : null));
    if (wish.branch) facts.push(fact(t('branch_short'), wish.branch));
    return [
      el('div', { className: 'head' }, [el('span', { className: 'code', text: wish.code }), badge]),
      el('h2', { text: wish.masked_name + ' · ' + wish.category_label }),
      el('p', { className: 'wish', text: wish.description }),
      el('dl', { className: 'facts' }, facts)
    ];
  }

  function wallCard(wish) {
    var mine = Boolean(state.mine[wish.code]);
    var joint = wish.joint;
    var missing = joint && wish.status === 'claimed' ? joint.need - joint.have : 0;
    var badge = mine
      ? el('span', { className: 'badge mine', text: t('mine_badge') })
      : missing > 0
        // A joint wish still gathering members is open to them, whatever its state is called.
        ? el('span', { className: 'badge open', text: t('needs', { n: missing }) })
        : el('span', { className: 'badge ' + wish.status, text: wish.status_label });
    var card = el('article', { className: 'card', id: 'wish-' + wish.code, 'data-code': wish.code }, cardBody(wish, badge));
    var foot = el('div', { className: 'foot' }, [
      joint ? el('span', { className: 'joint', text: t('joint', joint) }) : null
    ]);
    var claimable = !mine && (wish.status === 'open' || (joint && joint.have < joint.need && wish.status === 'claimed'));
    if (claimable) {
      var label = joint ? t('join', joint) : t('claim');
      foot.appendChild(el('button', {
        type: 'button', className: 'primary claim', text: label,
        onclick: function (event) { claim(wish.code, card, event.currentTarget); }
      }));
    } else if (mine) {
      foot.appendChild(el('button', {
        type: 'button', className: 'link', text: t('see_mine'), onclick: function () { showTab('mine'); }
      }));
    }
    card.appendChild(foot);
    card.appendChild(el('p', { className: 'result', hidden: true }));
    return card;
  }

  function setResult(card, ok, text) {
    var result = card.querySelector('.result');
    if (!result) return;
    result.className = 'result ' + (ok ? 'ok' : 'err');
    result.textContent = text || '';
    result.hidden = !text;
  }

  function claim(code, card, button) {
    button.disabled = true;
    api('POST', 'wishes/' + encodeURIComponent(code) + '/claim').then(function (answer) {
      if (answer.ok && answer.wish) {
        state.mine[code] = true;
        var fresh = wallCard(answer.wish);
        card.replaceWith(fresh);
        setResult(fresh, true, answer.message);
        toast(answer.message || '');
        haptic('success');
        return;
      }
      haptic('error');
      if (answer.error === 'taken' || answer.error === 'wrong_state' || answer.error === 'already_yours') {
        // Someone was first (or it is theirs already): the card says so at once, without its button.
        button.remove();
        var badge = card.querySelector('.badge');
        if (answer.error === 'already_yours') {
          state.mine[code] = true;
          badge.className = 'badge mine';
          badge.textContent = t('mine_badge');
        } else if (answer.error === 'taken') {
          badge.className = 'badge claimed';
          badge.textContent = t('taken');
        }
        setResult(card, false, answer.message);
        return;
      }
      // Holding as many as the community allows, or the network: they may try again later.
      button.disabled = false;
      setResult(card, false, answer.message || t('network'));
    });
  }

  // --- The wall ------------------------------------------------------------------------------

  function query(offset) {
    var params = new URLSearchParams();
    ['q', 'category', 'branch', 'min_value', 'max_value', 'due_within', 'sort'].forEach(function (name) {
      var value = $(name).value.trim();
      if (value) params.set(name, value);
    });
    params.set('limit', String(PAGE));
    params.set('offset', String(offset));
    return params.toString();
  }

  /* aria-busy tells assistive technology (and the browser tests) that a list is being redrawn. */
  function busy(id, promise) {
    var node = $(id);
    var count = Number(node.getAttribute('data-loads') || 0) + 1;
    node.setAttribute('data-loads', String(count));
    node.setAttribute('aria-busy', 'true');
    return promise.then(function (result) {
      if (node.getAttribute('data-loads') === String(count)) node.setAttribute('aria-busy', 'false');
      return result;
    });
  }

  function loadWall(more) {
    return busy('wall', fetchWall(more));
  }

  function fetchWall(more) {
    var seq = ++state.seq;
    var offset = more ? state.offset : 0;
    if (!more) $('count').textContent = t('loading');
    return api('GET', 'wishes?' + query(offset)).then(function (answer) {
      if (seq !== state.seq) return false;  // a newer filter's answer is on its way
      var cards = $('cards');
      if (!answer.ok) {
        $('count').textContent = answer.message || '';
        return false;
      }
      fillChoices($('category'), answer.categories || [], function (c) { return c.key; }, function (c) { return c.label; });
      fillChoices($('branch'), answer.branches || [], function (b) { return b.id; }, function (b) { return b.name; });
      if (!more) cards.textContent = '';
      answer.wishes.forEach(function (wish) { cards.appendChild(wallCard(wish)); });
      state.offset = offset + answer.wishes.length;
      state.total = answer.total;
      $('count').textContent = answer.total ? t('count', { n: answer.total }) : t('count_none');
      $('load-more').hidden = state.offset >= answer.total;
      return true;
    });
  }

  /* A link to one wish (startapp=W-0042): bring its card into view, paging on until it shows. */
  function focusStartCode() {
    var code = state.startCode;
    if (!code) return;
    var card = document.getElementById('wish-' + code);
    if (card) {
      card.classList.add('focus');
      card.scrollIntoView({ block: 'center' });
      return;
    }
    if (state.offset < state.total) {
      loadWall(true).then(function (ok) { if (ok) focusStartCode(); });
      return;
    }
    if (state.mine[code]) showTab('mine');
    else toast(t('not_open', { code: code }));
  }

  function watchFilters() {
    var form = $('filters');
    var timer = null;
    form.addEventListener('submit', function (event) { event.preventDefault(); loadWall(false); });
    form.addEventListener('change', function () { loadWall(false); });
    $('q').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { loadWall(false); }, 300);
    });
    form.addEventListener('reset', function () { setTimeout(function () { loadWall(false); }, 0); });
    $('load-more').addEventListener('click', function () { loadWall(true); });
  }

  // --- My wishes -----------------------------------------------------------------------------

  function detailList(details) {
    var rows = [fact(t('name'), details.name)];
    if (details.phone) {
      rows.push(el('div', null, [el('dt', { text: t('phone') }),
        el('dd', null, [el('a', { href: 'tel:' + details.phone.replace(/[^0-9+]/g, ''), text: details.phone })])]));
    }
    if (details.address) rows.push(fact(t('address'), details.address));
    return el('dl', { className: 'details' }, rows);
  }

  function heldCard(wish) {
    var badge = el('span', { className: 'badge ' + wish.status, text: wish.status_label });
    var card = el('article', { className: 'card held', id: 'mine-' + wish.code, 'data-code': wish.code }, cardBody(wish, badge));
    if (wish.joint) card.appendChild(el('p', { className: 'joint', text: t('joint', wish.joint) }));
    card.appendChild(detailList(wish.details));
    if (wish.delivery_note) card.appendChild(el('p', { className: 'hint', text: t('note') + '：' + wish.delivery_note }));
    if (wish.status === 'claimed') {
      var actions = el('div', { className: 'actions' }, [
        el('button', { type: 'button', className: 'primary deliver', text: t('deliver'),
          onclick: function () { openForm(card, deliverForm(wish)); } }),
        wish.extend ? el('button', { type: 'button', className: 'secondary extend', text: t('extend'),
          onclick: function () { openForm(card, extendForm(wish)); } }) : null,
        el('button', { type: 'button', className: 'danger release', text: t('release'),
          onclick: function () { openForm(card, releaseForm(wish)); } })
      ]);
      card.appendChild(actions);
    } else if (wish.status === 'delivered') {
      card.appendChild(el('p', { className: 'result ok', text: t('awaiting') }));
    }
    card.appendChild(el('p', { className: 'result', hidden: true }));
    return card;
  }

  function openForm(card, form) {
    var old = card.querySelector('.form');
    if (old) old.remove();
    card.insertBefore(form, card.querySelector('.result:last-child'));
    var first = form.querySelector('textarea, input');
    if (first) first.focus();
  }

  function formShell(className, fields, goLabel, ready, send, after) {
    var go = el('button', { type: 'submit', className: 'primary go', text: goLabel });
    var form = el('form', { className: 'form ' + className }, fields.concat([
      el('div', { className: 'row' }, [
        el('button', { type: 'button', className: 'secondary', text: t('cancel'),
          onclick: function () { form.remove(); } }),
        go
      ])
    ]));
    function check() { go.disabled = !ready(); }
    form.addEventListener('input', check);
    form.addEventListener('change', check);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!ready()) return;
      go.disabled = true;
      send().then(function (answer) { (after || done)(form, answer); });
    });
    check();
    return form;
  }

  function done(form, answer) {
    var card = form.closest('.card');
    if (answer.ok) {
      haptic('success');
      toast(answer.message || '');
      loadMine();
      return;
    }
    haptic('error');
    form.querySelector('.go').disabled = false;
    setResult(card, false, answer.message || t('network'));
  }

  /* The chat's question, with its choices (the server sends them, in the chat's words): a
     reason is chosen, and "other" asks for a few words. */
  function releaseForm(wish) {
    var reason = el('textarea', { name: 'reason', rows: '2', maxlength: String(MAX_REASON) });
    var other = el('label', { className: 'other', hidden: true }, [el('span', { text: t('release_other') }), reason]);
    var choices = state.reasons.map(function (choice) {
      return el('label', { className: 'choice' }, [
        el('input', { type: 'radio', name: 'kind', value: choice.key,
          onchange: function () { other.hidden = choice.key !== 'other'; } }),
        el('span', { text: choice.label })]);
    });
    function kind() {
      var chosen = choices.map(function (c) { return c.querySelector('input'); }).filter(function (i) { return i.checked; })[0];
      return chosen ? chosen.value : '';
    }
    var asked = el('fieldset', { className: 'reasons' }, [el('legend', { text: t('release_reason') })].concat(choices));
    return formShell('release-form', [asked, other], t('release_go'), function () {
      return Boolean(kind()) && (kind() !== 'other' || reason.value.trim().length > 0);
    }, function () {
      var body = { kind: kind() };
      if (kind() === 'other') body.reason = reason.value.trim();
      return api('POST', 'wishes/' + encodeURIComponent(wish.code) + '/release', body);
    });
  }

  function extendForm(wish) {
    var day = el('input', { type: 'date', name: 'date', min: wish.extend.earliest, max: wish.extend.latest,
      value: wish.extend.earliest, required: true });
    return formShell('extend-form', [el('label', null, [el('span', { text: t('extend_date') }), day])],
      t('extend_go'), function () { return Boolean(day.value); },
      function () { return api('POST', 'wishes/' + encodeURIComponent(wish.code) + '/extend', { date: day.value }); });
  }

  function deliverForm(wish) {
    var note = el('textarea', { name: 'note', rows: '2', maxlength: '500' });
    var photo = el('input', { type: 'file', name: 'photo', accept: 'image/jpeg,image/png,image/*' });
    // Typed as the chat takes them ("2", "1.5", "2 小时"); the server says what it accepts.
    var hours = el('input', { type: 'text', name: 'hours', inputmode: 'decimal', maxlength: '12',
      placeholder: wish.hours_default === null || wish.hours_default === undefined ? '' : String(wish.hours_default) });
    return formShell('deliver-form', [
      el('label', null, [el('span', { text: t('deliver_note') }), note]),
      el('label', null, [el('span', { text: t('deliver_hours', { h: wish.hours_default }) }), hours]),
      el('label', null, [el('span', { text: t('deliver_photo') }), photo])
    ], t('deliver_go'), function () { return true; }, function () {
      var chosen = photo.files && photo.files[0];
      return (chosen ? shrinkPhoto(chosen) : Promise.resolve(null)).then(function (picture) {
        if (chosen && !picture) return { ok: false, message: t('photo_unusable') };
        var body = new FormData();
        if (note.value.trim()) body.append('note', note.value.trim());
        if (hours.value.trim()) body.append('hours', hours.value.trim());
        if (picture) body.append('photo', picture, picture.name || 'photo.jpg');
        return api('POST', 'wishes/' + encodeURIComponent(wish.code) + '/deliver', body);
      });
    });
  }

  /* A phone's camera picture is often several megabytes, or HEIC: the server takes JPEG and PNG
     of a sensible size, so anything else is redrawn as a JPEG no wider than PHOTO_MAX_SIDE. */
  function shrinkPhoto(file) {
    if (/^image\/(jpeg|png)$/.test(file.type) && file.size <= PHOTO_MAX_BYTES) return Promise.resolve(file);
    if (!window.createImageBitmap) return Promise.resolve(null);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = el('canvas', { width: String(Math.round(bitmap.width * scale)), height: String(Math.round(bitmap.height * scale)) });
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], 'photo.jpg', { type: 'image/jpeg' }) : null);
        }, 'image/jpeg', 0.85);
      });
    }, function () { return null; });
  }

  function loadMine() {
    return busy('mine', api('GET', 'mine').then(function (answer) {
      if (!answer.ok) {
        $('mine-count').textContent = answer.message || '';
        return;
      }
      state.mine = {};
      state.reasons = answer.release_reasons || [];
      answer.wishes.forEach(function (wish) { state.mine[wish.code] = true; });
      showRecord(answer.record);
      var list = $('mine-cards');
      list.textContent = '';
      answer.wishes.forEach(function (wish) { list.appendChild(heldCard(wish)); });
      $('mine-count').textContent = answer.wishes.length ? t('mine_count', { n: answer.wishes.length }) : t('mine_none');
      if (state.startCode && state.mine[state.startCode] && !$('mine').hidden) {
        var card = document.getElementById('mine-' + state.startCode);
        if (card) { card.classList.add('focus'); card.scrollIntoView({ block: 'center' }); }
      }
    }));
  }

  /* Their service record for the half year, as /myrecord counts it: what a member reports to
     their branch. */
  function showRecord(record) {
    var box = $('record');
    box.textContent = '';
    box.hidden = !record;
    if (!record) return;
    var tiles = [['wishes', 'r_wishes'], ['hours', 'r_hours'], ['points', 'r_points']].map(function (pair) {
      return el('div', { className: 'tile', 'data-record': pair[0] }, [
        el('strong', { text: String(record[pair[0]]) }), el('span', { text: t(pair[1]) })]);
    });
    box.appendChild(el('h3', { text: t('record_title', { from: record.start, to: record.end }) }));
    box.appendChild(el('div', { className: 'tiles' }, tiles));
    box.appendChild(el('p', { className: 'hint', text: record.summary }));
  }

  // --- The coordinators' dashboard ------------------------------------------------------------

  var SVG = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(rate) {
    return rate === null || rate === undefined ? '—' : Math.round(rate * 100) + '%';
  }

  /* One bar per finished week; a week with nothing due has no rate, and shows a dash. */
  function weeksChart(weeks) {
    var step = 44, top = 18, height = 100;
    var chart = svg('svg', { viewBox: '0 0 ' + (weeks.length * step + 8) + ' 140', role: 'img', 'class': 'chart' });
    chart.appendChild(svg('line', { x1: 4, x2: weeks.length * step + 4, y1: top + height, y2: top + height, 'class': 'axis' }));
    weeks.forEach(function (week, i) {
      var x = 4 + i * step + 8, rate = week.completion_rate;
      var h = rate === null ? 0 : Math.max(2, Math.round(rate * height));
      chart.appendChild(svg('rect', { x: x, y: top + height - h, width: step - 16, height: h, rx: 3,
        'class': rate !== null && rate < 0.8 ? 'bar low' : 'bar' }));
      chart.appendChild(svg('text', { x: x + (step - 16) / 2, y: top + height - h - 4, 'class': 'value' }, percent(rate)));
      chart.appendChild(svg('text', { x: x + (step - 16) / 2, y: top + height + 16, 'class': 'label' },
        week.label.replace(/^\d{4}-/, '')));
    });
    return chart;
  }

  function branchTable(week) {
    var head = el('tr', null, ['col_branch', 'col_due', 'col_done', 'col_rate', 'col_overdue'].map(function (key) {
      return el('th', { text: t(key) });
    }));
    var rows = week.branches.map(function (row) {
      return el('tr', null, [el('td', { text: row.name }), el('td', { text: String(row.due) }),
        el('td', { text: String(row.due_fulfilled) }), el('td', { text: percent(row.completion_rate) }),
        el('td', { text: String(row.overdue), className: row.overdue ? 'late' : null })]);
    });
    return el('table', { className: 'branches' }, [el('thead', null, [head]), el('tbody', null, rows)]);
  }

  function miniCard(wish, note) {
    return el('article', { className: 'card mini', 'data-code': wish.code }, [
      el('div', { className: 'head' }, [el('span', { className: 'code', text: wish.code }),
        el('span', { className: 'badge ' + wish.status, text: wish.status_label })]),
      el('h2', { text: wish.masked_name + ' · ' + wish.category_label }),
      el('p', { className: 'wish', text: wish.description }),
      // Only what the server sends: it decides per request whether the policy shows them.
      wish.details ? detailList(wish.details) : null,
      note ? el('p', { className: 'hint', text: note }) : null
    ]);
  }

  function section(title, children) {
    return el('section', { className: 'panel' }, [el('h3', { text: title })].concat(children));
  }

  function renderDash(data) {
    var body = $('dash-body');
    body.textContent = '';
    var counts = data.counts;
    body.appendChild(el('div', { className: 'tiles' }, ['pending', 'verified', 'open', 'claimed', 'delivered', 'overdue']
      .map(function (key) {
        return el('div', { className: 'tile ' + key + (key === 'overdue' && counts[key] ? ' late' : ''), 'data-count': key }, [
          el('strong', { text: String(counts[key]) }), el('span', { text: t('c_' + key) })]);
      })));
    var week = data.this_week;
    body.appendChild(section(t('this_week', { week: week.label }), [
      el('p', { className: 'rate', text: percent(week.completion_rate) }),
      el('p', { className: 'hint', text: week.due ? t('rate_line', { done: week.due_fulfilled, due: week.due }) : t('no_due') }),
      el('p', { className: 'formula', text: data.formula })
    ]));
    if (data.weeks.length) {
      var last = data.weeks[data.weeks.length - 1];
      body.appendChild(section(t('weeks_title'), [weeksChart(data.weeks)]));
      body.appendChild(section(t('branches_title', { week: last.label }), [branchTable(last)]));
    }
    body.appendChild(section(t('overdue_title'), listOr(data.overdue, overdueCard)));
    body.appendChild(section(t('pending_title'), listOr(data.pending, pendingCard)
      .concat(data.pending.some(function (w) { return !w.details; }) ? [el('p', { className: 'hint', text: t('details_hint') })] : [])));
    body.appendChild(section(t('verified_title'), (data.verified.length ? [balanceBox()] : [])
      .concat(listOr(data.verified, verifiedCard))));
    body.appendChild(sheetPanel(data.today));
  }

  // --- The coordinators' actions: each one the chat's own, through the API --------------------

  function listOr(items, render) {
    return items.length ? items.map(render) : [el('p', { className: 'hint', text: t('none') })];
  }

  function wishPath(wish, verb) { return 'wishes/' + encodeURIComponent(wish.code) + '/' + verb; }

  function button(label, className, onclick, disabled) {
    return el('button', { type: 'button', className: className, text: label, onclick: onclick, disabled: disabled });
  }

  function labelled(text, field) { return el('label', null, [el('span', { text: text }), field]); }

  /* A list's card with its actions; forms open inside it, above the line that says how it went. */
  function deskCard(wish, note, buttons) {
    var card = miniCard(wish, note);
    card.id = 'desk-' + wish.code;
    card.appendChild(el('div', { className: 'actions' }, buttons));
    card.appendChild(el('p', { className: 'result', hidden: true }));
    return card;
  }

  /* Done: say so and draw the dashboard again (its counts and lists moved). Refused: the card
     says why and its button may be pressed again. */
  function settle(card, answer, pressed) {
    if (answer.ok) {
      haptic('success');
      toast(answer.message || '');
      state.members = {};  // who holds how many has changed
      loadDash();
      return;
    }
    haptic('error');
    if (pressed) pressed.disabled = false;
    setResult(card, false, answer.message || t('network'));
  }

  function afterForm(form, answer) { settle(form.closest('.card'), answer, form.querySelector('.go')); }

  function send(card, path, body) {
    return function (event) {
      var pressed = event.currentTarget;
      pressed.disabled = true;
      api('POST', path, body).then(function (answer) { settle(card, answer, pressed); });
    };
  }

  function overdueCard(late) {
    var note = t('late_by', { n: late.days_late }) + ' · ' + t('held_by', { names: late.holders.join('、') });
    var card = deskCard(late, note, []);
    card.querySelector('.actions').append(
      button(t('extend_c'), 'secondary extend', function () { openForm(card, dueForm(late)); }),
      button(t('reassign'), 'secondary reassign', function () { reassignForm(card, late); }),
      button(t('keep_chasing'), 'secondary keep', send(card, wishPath(late, 'keep-chasing'), {})));
    return card;
  }

  function dueForm(late) {
    var day = el('input', { type: 'date', name: 'date', min: late.extend.earliest, max: late.extend.latest,
      value: late.extend.earliest, required: true });
    return formShell('extend-form', [labelled(t('extend_date'), day)], t('set_due'),
      function () { return Boolean(day.value); },
      function () { return api('POST', wishPath(late, 'extend'), { date: day.value }); }, afterForm);
  }

  function reassignForm(card, late) {
    var community = state.dash.community.id;
    var known = state.members[community];
    (known ? Promise.resolve(known) : api('GET', 'members?community=' + community)).then(function (answer) {
      if (!answer.ok) { setResult(card, false, answer.message || t('network')); return; }
      state.members[community] = answer;
      var who = el('select', { name: 'member' }, [el('option', { value: '', text: t('back_to_open') })]);
      answer.members.forEach(function (m) {
        who.appendChild(el('option', { value: String(m.id),
          text: [m.name, m.branch, t('holds', { n: m.held })].filter(Boolean).join(' · ') }));
      });
      var day = el('input', { type: 'date', name: 'date', min: late.extend.earliest, max: late.extend.latest });
      openForm(card, formShell('reassign-form', [labelled(t('reassign_to'), who), labelled(t('new_due_opt'), day)],
        t('reassign_go'), function () { return !day.value || Boolean(who.value); }, function () {
          var body = {};
          if (who.value) body.member = Number(who.value);
          if (who.value && day.value) body.date = day.value;
          return api('POST', wishPath(late, 'reassign'), body);
        }, afterForm));
    });
  }

  function pendingCard(wish) {
    var notes = [];
    if (wish.own) notes.push(t('own_wish'));
    if (wish.repeat) notes.push(t('repeat', { months: wish.repeat.months, codes: wish.repeat.earlier.join(', ') }));
    var card = deskCard(wish, notes.join(' · ') || null, []);
    card.querySelector('.actions').append(
      button(t('verify'), 'primary verify', send(card, wishPath(wish, 'verify'), {}), wish.own),
      button(t('reject'), 'danger reject', function () { openForm(card, rejectForm(wish)); }));
    return card;
  }

  function rejectForm(wish) {
    var reason = el('textarea', { name: 'reason', rows: '2', maxlength: '500', required: true });
    return formShell('reject-form', [labelled(t('reject_reason'), reason)], t('reject_go'),
      function () { return reason.value.trim().length > 0; },
      function () { return api('POST', wishPath(wish, 'reject'), { reason: reason.value.trim() }); }, afterForm);
  }

  function verifiedCard(wish) {
    var card = deskCard(wish, null, []);
    card.querySelector('.actions').append(button(t('post'), 'primary post', function () {
      var where = el('select', { name: 'branch' }, [el('option', { value: '', text: t('all_groups') })]);
      fillChoices(where, state.dash.post_branches, function (b) { return b.id; }, function (b) { return b.name; });
      openForm(card, formShell('post-form', [labelled(t('post_to'), where)], t('post_go'),
        function () { return true; },
        function () { return api('POST', wishPath(wish, 'post'), where.value ? { branch: Number(where.value) } : {}); },
        afterForm));
    }));
    return card;
  }

  /* Auto-balance: the plan first, then exactly that plan posted (the server refuses a plan that
     changed since it was shown). */
  function balanceBox() {
    var box = el('div', { className: 'card mini plan', id: 'balance' });
    var community = state.dash.community.id;
    box.appendChild(button(t('auto_balance'), 'secondary balance', function (event) {
      var pressed = event.currentTarget;
      pressed.disabled = true;
      api('GET', 'balance?community=' + community).then(function (plan) {
        pressed.disabled = false;
        Array.prototype.forEach.call(box.querySelectorAll('.form, .result'), function (old) { old.remove(); });
        if (!plan.ok) { box.appendChild(el('p', { className: 'result err', text: plan.message || t('network') })); return; }
        var lines = [el('p', { className: 'hint', text: t('plan_total', { n: plan.total }) })].concat(plan.shares.map(function (share) {
          return el('p', { className: 'share', text: t('plan_line', share) });
        }));
        box.appendChild(formShell('plan-form', lines, t('post_plan'), function () { return true; },
          function () { return api('POST', 'balance', { community: community, plan: plan.plan }); }, afterForm));
        box.appendChild(el('p', { className: 'result', hidden: true }));
      });
    }));
    return box;
  }

  function sheetPanel(today) {
    var year = Number(today.slice(0, 4));
    var period = el('select', { name: 'period', id: 'sheet-period' }, [
      el('option', { value: '', text: t('period_year', { y: year }) }),
      el('option', { value: year + 'H1', text: t('period_h1', { y: year }) }),
      el('option', { value: year + 'H2', text: t('period_h2', { y: year }) }),
      el('option', { value: String(year - 1), text: t('period_year', { y: year - 1 }) })
    ]);
    return section(t('sheet_title'), [labelled(t('period'), period), el('div', { className: 'actions' }, [
      button(t('sheet_full'), 'secondary sheet-full', function (e) { download(e.currentTarget, period.value, false); }),
      button(t('sheet_public'), 'secondary sheet-public', function (e) { download(e.currentTarget, period.value, true); })
    ]), el('p', { className: 'hint', text: t('sheet_hint') })]);
  }

  /* The sheet comes with the same credential as every request (never a link that works without
     it), then is handed to the browser as a file. */
  function download(pressed, period, isPublic) {
    var params = new URLSearchParams({ community: String(state.dash.community.id), public: isPublic ? '1' : '0' });
    if (period) params.set('period', period);
    pressed.disabled = true;
    return fetch('api/claim-sheet?' + params, { headers: { Authorization: 'tma ' + state.init } }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (data) { toast(data.message || t('network')); });
      }
      var name = (/filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '') || [])[1] || 'claims.xlsx';
      return response.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = el('a', { href: url, download: name, hidden: true });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
        toast(t('sheet_ready', { name: name }));
      });
    }, function () { toast(t('network')); }).then(function () { pressed.disabled = false; });
  }

  function loadDash() {
    var chosen = $('dash-community').value;
    return busy('dash', api('GET', 'dashboard' + (chosen ? '?community=' + encodeURIComponent(chosen) : '')).then(function (answer) {
      if (!answer.ok) {
        $('dash-body').textContent = answer.message || '';
        return;
      }
      state.dash = answer;
      renderDash(answer);
    }));
  }

  function offerDashboard(me) {
    var communities = me.coordinates || [];
    if (!communities.length && !me.admin) return;
    $('tab-dash').hidden = false;
    var select = $('dash-community');
    if (communities.length > 1) {
      fillChoices(select, communities, function (c) { return c.id; }, function (c) { return c.name; });
      select.hidden = false;
      select.addEventListener('change', loadDash);
    }
  }

  // --- Start ---------------------------------------------------------------------------------

  function start() {
    if (TG) { TG.ready(); TG.expand(); }
    readLaunch();
    translatePage();
    $('tab-wall').addEventListener('click', function () { showTab('wall'); });
    $('tab-mine').addEventListener('click', function () { showTab('mine'); });
    $('tab-dash').addEventListener('click', function () { showTab('dash'); });
    watchFilters();
    if (!state.init) {
      showNotice(t('no_init'));
      $('wall').hidden = true;
      return;
    }
    api('GET', 'me').then(function (me) {
      if (!me.ok) {
        if (me.status !== 401) showNotice(me.message || t('network'));
        $('wall').hidden = true;
        return;
      }
      var user = me.user || {};
      // The server's choice of language wins: the card labels it sends are in that language.
      if (user.lang && TEXTS[user.lang] && user.lang !== state.lang) {
        state.lang = user.lang;
        translatePage();
      }
      var member = me.member || {};
      var community = member.community || ((me.coordinates || [])[0] || {}).name;
      $('community').textContent = [community, member.branch, user.name].filter(Boolean).join(' · ');
      offerDashboard(me);
      // What they hold first, so the wall marks their own cards; then the wall itself.
      loadMine().then(function () { return loadWall(false); }).then(focusStartCode);
    });
  }

  // For the page's own tests (tests/browser): how a launch's start parameter is read.
  window.wishwallLaunch = { startCode: startCode };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
