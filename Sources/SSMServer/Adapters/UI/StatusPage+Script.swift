extension StatusPage {
    /// `GET /ui/app.js`: polls `/ui/status` every 2 s and fills the page. The token, when the
    /// server asks for one, is kept in `sessionStorage` (this tab only) and sent as a bearer
    /// header; it never goes into a URL. Everything is written with `textContent` (or SVG
    /// attributes), never parsed as HTML.
    static let script = #"""
        'use strict';
        (function () {
          const REFRESH_MS = 2000;
          const TOKEN_KEY = 'ssm-status-token';
          const SVG = 'http://www.w3.org/2000/svg';
          const $ = (id) => document.getElementById(id);
          let timer = null;

          function setText(id, value) {
            const element = $(id);
            if (element) element.textContent = value === null || value === undefined ? '–' : String(value);
          }

          function setState(text, kind) {
            const badge = $('state');
            badge.textContent = text;
            badge.className = 'badge ' + (kind || '');
          }

          function schedule() {
            clearTimeout(timer);
            timer = setTimeout(refresh, REFRESH_MS);
          }

          function showLogin(message) {
            $('panels').hidden = true;
            $('login').hidden = false;
            $('forget').hidden = true;
            $('login-error').textContent = message || '';
            setState('token needed', 'warn');
            $('token').focus();
          }

          async function refresh() {
            const headers = { Accept: 'application/json' };
            const token = sessionStorage.getItem(TOKEN_KEY);
            if (token) headers.Authorization = 'Bearer ' + token;
            let response;
            try {
              response = await fetch('/ui/status', { headers: headers, cache: 'no-store', credentials: 'omit' });
            } catch (error) {
              setState('unreachable', 'bad');
              schedule();
              return;
            }
            if (response.status === 401 || response.status === 403) {
              if (token) sessionStorage.removeItem(TOKEN_KEY);
              showLogin(token ? (response.status === 403 ? 'This client lacks the stats permission.' : 'The token was refused.') : '');
              return;
            }
            if (!response.ok) {
              setState('HTTP ' + response.status, 'bad');
              schedule();
              return;
            }
            try {
              render(await response.json());
            } catch (error) {
              setState('bad answer', 'bad');
            }
            schedule();
          }

          function render(status) {
            $('login').hidden = true;
            $('panels').hidden = false;
            $('forget').hidden = !sessionStorage.getItem(TOKEN_KEY);
            const pool = status.pool;
            const circuit = pool.circuit;
            const login = pool.login;
            if (!status.ready) setState('not ready', 'bad');
            else if (circuit.state !== 'closed' || pool.waiters > 0 || (status.audit.enabled && !status.audit.healthy)) setState('degraded', 'warn');
            else setState('ready', 'good');
            setText('token-label', 'token ' + status.token);
            setText('updated', 'updated ' + status.time);

            for (const field of ['current_size', 'max_size', 'in_use', 'available', 'waiters', 'acquired', 'timeouts', 'errors']) {
              setText('pool-' + field, pool[field]);
            }
            const meter = $('pool-meter');
            meter.max = Math.max(1, pool.max_size);
            meter.high = Math.max(1, pool.max_size) * 0.8;
            meter.value = pool.in_use;
            for (const field of ['p50', 'p90', 'p99', 'max']) setText('wait-' + field, pool.acquire_wait_us[field]);

            setText('hsm-ready', status.ready ? 'yes' : 'no');
            setText('circuit-state', circuit.state + (circuit.next_probe_ms != null ? ' (next probe in ' + circuit.next_probe_ms + ' ms)' : ''));
            $('circuit-state').className = circuit.state === 'closed' ? 'good-text' : 'bad-text';
            setText('circuit-trips', circuit.trips + ' / ' + circuit.recoveries);
            setText('circuit-last_error', circuit.last_error || 'none');
            setText('login-state', login.waiting_for_pin ? 'PIN refused: waiting for a new PIN (SIGHUP)' : 'logged in');
            $('login-state').className = login.waiting_for_pin ? 'bad-text' : 'good-text';
            setText('login-refusals', login.refusals + (login.last_refusal ? ' (' + login.last_refusal + ')' : ''));

            const audit = status.audit;
            setText('audit-state', !audit.enabled ? 'off' : audit.healthy ? 'writing' : audit.fail_open ? 'FAILED (fail-open: serving)' : 'FAILED (refusing requests)');
            $('audit-state').className = audit.enabled && !audit.healthy ? 'bad-text' : '';
            setText('audit-seals', audit.enabled ? audit.seals + ' (' + audit.seal_failures + ')' : '–');
            const tls = status.tls;
            setText('tls-state', !tls.enabled ? 'off (plain HTTP)' : 'expires ' + tls.certificate_not_after + ' (' + tls.certificate_days_left + ' days)');
            $('tls-state').className = tls.enabled && tls.certificate_days_left < 14 ? 'bad-text' : '';

            renderTraffic(status.traffic);
            renderKeys(status.keys);
          }

          function renderTraffic(traffic) {
            setText('traffic-window', 'last ' + Math.round(traffic.window_s / 60) + ' min, req/s over the last ' + traffic.rate_s + ' s');
            const body = $('routes-body');
            const rows = [];
            for (const route of traffic.routes) {
              const row = document.createElement('tr');
              row.dataset.route = route.method + ' ' + route.route;
              const cells = [route.method + ' ' + route.route, route.rate.toFixed(2), route.requests,
                route.client_errors, route.server_errors, route.p50_ms == null ? '–' : '≤' + route.p50_ms,
                route.p99_ms == null ? '–' : '≤' + route.p99_ms];
              cells.forEach(function (value, index) {
                const cell = document.createElement(index === 0 ? 'th' : 'td');
                if (index === 0) cell.scope = 'row';
                cell.textContent = String(value);
                if (index === 4 && route.server_errors > 0) cell.className = 'bad-text';
                row.appendChild(cell);
              });
              rows.push(row);
            }
            if (rows.length === 0) {
              const row = document.createElement('tr');
              const cell = document.createElement('td');
              cell.colSpan = 7;
              cell.textContent = 'no request yet';
              row.appendChild(cell);
              rows.push(row);
            }
            body.replaceChildren.apply(body, rows);
            drawChart(traffic);
          }

          function drawChart(traffic) {
            const chart = $('traffic-chart');
            const intervals = traffic.routes.length ? traffic.routes[0].series.length : Math.round(traffic.window_s / traffic.interval_s);
            const totals = new Array(intervals).fill(0);
            for (const route of traffic.routes) route.series.forEach(function (count, index) { totals[index] += count; });
            const peak = Math.max(1, Math.max.apply(null, totals));
            const width = 300 / Math.max(1, intervals);
            const bars = totals.map(function (count, index) {
              const height = count === 0 ? 0 : Math.max(1, 56 * count / peak);
              const bar = document.createElementNS(SVG, 'rect');
              bar.setAttribute('x', String(index * width + 0.5));
              bar.setAttribute('y', String(58 - height));
              bar.setAttribute('width', String(Math.max(0.5, width - 1)));
              bar.setAttribute('height', String(height));
              bar.setAttribute('class', 'bar');
              const title = document.createElementNS(SVG, 'title');
              title.textContent = count + ' requests';
              bar.appendChild(title);
              return bar;
            });
            const axis = document.createElementNS(SVG, 'line');
            axis.setAttribute('x1', '0'); axis.setAttribute('x2', '300');
            axis.setAttribute('y1', '58.5'); axis.setAttribute('y2', '58.5');
            axis.setAttribute('class', 'axis');
            chart.replaceChildren.apply(chart, bars.concat([axis]));
          }

          function renderKeys(keys) {
            for (const namespace of ['ssm', 'transit', 'internal']) {
              const count = keys.namespaces ? keys.namespaces[namespace] : null;
              setText('keys-' + namespace + '-keys', count ? count.keys : null);
              setText('keys-' + namespace + '-names', count ? count.names : null);
            }
            setText('keys-age', keys.age_s == null ? '' : '(counted ' + keys.age_s + ' s ago)');
            $('keys-error').textContent = keys.error || '';
          }

          function start() {
            $('login').addEventListener('submit', function (event) {
              event.preventDefault();
              const value = $('token').value.trim();
              $('token').value = '';
              if (!value) return;
              sessionStorage.setItem(TOKEN_KEY, value);
              setState('loading', '');
              refresh();
            });
            $('forget').addEventListener('click', function () {
              sessionStorage.removeItem(TOKEN_KEY);
              clearTimeout(timer);
              showLogin('');
            });
            refresh();
          }

          if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
          else start();
        })();

        """#
}
