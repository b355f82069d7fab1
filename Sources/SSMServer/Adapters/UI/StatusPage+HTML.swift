extension StatusPage {
    /// `GET /ui`: the page's markup. No inline script or style (the policy forbids them): the
    /// script fills the elements by id, with `textContent` only.
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>ssm status</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/ui/app.css">
        <script src="/ui/app.js" defer></script>
        </head>
        <body>
        <header>
          <h1>ssm</h1>
          <span id="token-label" class="muted"></span>
          <span id="state" class="badge">loading</span>
          <span id="updated" class="muted"></span>
        </header>

        <form id="login" hidden>
          <h2>Token</h2>
          <p>This ssm has clients: give a token (or a <code>/login</code> JWT) of a client with the
          <code>stats</code> permission. It stays in this tab (session storage) and is sent as an
          <code>Authorization: Bearer</code> header, never in a URL.</p>
          <label for="token">Token</label>
          <input id="token" type="password" autocomplete="off" spellcheck="false" required>
          <button type="submit">Show status</button>
          <p id="login-error" class="bad-text" role="alert"></p>
        </form>

        <main id="panels" hidden>
          <section>
            <h2>Session pool</h2>
            <meter id="pool-meter" min="0" max="1" value="0" title="sessions in use / max size"></meter>
            <dl class="figures">
              <div><dt>size</dt><dd id="pool-current_size">–</dd></div>
              <div><dt>max size</dt><dd id="pool-max_size">–</dd></div>
              <div><dt>in use</dt><dd id="pool-in_use">–</dd></div>
              <div><dt>available</dt><dd id="pool-available">–</dd></div>
              <div><dt>waiters</dt><dd id="pool-waiters">–</dd></div>
              <div><dt>acquired</dt><dd id="pool-acquired">–</dd></div>
              <div><dt>timeouts</dt><dd id="pool-timeouts">–</dd></div>
              <div><dt>errors</dt><dd id="pool-errors">–</dd></div>
            </dl>
            <h3>Wait for a session (µs, last 1,024)</h3>
            <dl class="figures">
              <div><dt>p50</dt><dd id="wait-p50">–</dd></div>
              <div><dt>p90</dt><dd id="wait-p90">–</dd></div>
              <div><dt>p99</dt><dd id="wait-p99">–</dd></div>
              <div><dt>max</dt><dd id="wait-max">–</dd></div>
            </dl>
          </section>

          <section>
            <h2>HSM</h2>
            <dl class="rows">
              <div><dt>ready</dt><dd id="hsm-ready">–</dd></div>
              <div><dt>circuit</dt><dd id="circuit-state">–</dd></div>
              <div><dt>trips / recoveries</dt><dd id="circuit-trips">–</dd></div>
              <div><dt>last error</dt><dd id="circuit-last_error">–</dd></div>
              <div><dt>login</dt><dd id="login-state">–</dd></div>
              <div><dt>PIN refusals</dt><dd id="login-refusals">–</dd></div>
            </dl>
            <h3>Audit log and TLS</h3>
            <dl class="rows">
              <div><dt>audit log</dt><dd id="audit-state">–</dd></div>
              <div><dt>seals (failed)</dt><dd id="audit-seals">–</dd></div>
              <div><dt>TLS certificate</dt><dd id="tls-state">–</dd></div>
            </dl>
          </section>

          <section>
            <h2>Keys <span id="keys-age" class="muted"></span></h2>
            <table id="keys">
              <thead><tr><th>namespace</th><th>keys</th><th>names</th></tr></thead>
              <tbody>
                <tr><td>SSM</td><td id="keys-ssm-keys">–</td><td id="keys-ssm-names">–</td></tr>
                <tr><td>Transit (/v1)</td><td id="keys-transit-keys">–</td><td id="keys-transit-names">–</td></tr>
                <tr><td>internal</td><td id="keys-internal-keys">–</td><td id="keys-internal-names">–</td></tr>
              </tbody>
            </table>
            <p id="keys-error" class="bad-text"></p>
          </section>

          <section class="wide">
            <h2>Requests <span id="traffic-window" class="muted"></span></h2>
            <svg id="traffic-chart" viewBox="0 0 300 60" preserveAspectRatio="none" role="img"
              aria-label="requests per interval"></svg>
            <div class="scroll">
              <table id="routes">
                <thead><tr><th>route</th><th>req/s</th><th>requests</th><th>4xx</th><th>5xx</th><th>p50 ms</th><th>p99 ms</th></tr></thead>
                <tbody id="routes-body"></tbody>
              </table>
            </div>
          </section>

        </main>

        <footer>
          Refreshes every 2 s from <code>/ui/status</code>.
          <button id="forget" type="button" hidden>Forget the token</button>
        </footer>
        </body>
        </html>

        """#
}
