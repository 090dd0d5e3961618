"""Browser scenario for web_browser.sh (headless Chromium over CDP).

argv: BASE_URL ADMIN_PASSWORD PUBLISH_CMD XSS_IP XSS_SESSION XSS_SENSOR
PUBLISH_CMD is a shell command that takes one argument, a source IP, and
publishes a new cowrie session from it over hpfeeds."""
import json
import subprocess
import sys
import urllib.request

from cdp import Browser

BASE, PW, PUBLISH, XSS_IP, XSS_SESSION, XSS_SENSOR = sys.argv[1:7]
PAYLOAD = "<img src=x onerror=alert(1)>"
CMD_PAYLOAD = "<script>alert(2)</script>"


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def no_script_ran(b, where):
    b.pump(0.5)
    check(not b.dialogs, f"{where}: a dialog opened: {b.dialogs}")
    imgs = b.evaluate("document.querySelectorAll('img, script:not([src])').length")
    check(imgs == 0, f"{where}: {imgs} injected img/script elements")
    check(b.evaluate("window.__xss === undefined"), f"{where}: script ran")


def page(b, path, ready="document.body.dataset.ready === '1'"):
    b.navigate(BASE + path)
    b.wait_for(ready, what=f"{path} ready")
    err = b.evaluate("(document.querySelector('#main .error') || {}).textContent || ''")
    check(not err, f"{path}: page error {err!r}")


def text(b):
    return b.evaluate("document.getElementById('main').innerText")


b = Browser()
try:
    # Log in through the form.
    b.navigate(BASE + "/")
    b.wait_for("location.pathname === '/login' && document.body.dataset.ready === '1'",
               what="redirect to /login")
    b.evaluate("document.getElementById('username').value = 'admin';"
               f"document.getElementById('password').value = {json.dumps(PW)};"
               "document.getElementById('login-button').click(); 1")
    b.wait_for("location.pathname === '/' && document.body.dataset.ready === '1'",
               what="dashboard after login")

    # Dashboard figures equal the API's.
    shown = int(b.wait_for("document.getElementById('attack-count').textContent",
                           what="attack count"))
    api = json.loads(b.evaluate(
        "fetch('/api/v1/summary?hours=24').then(r => r.text())"))
    check(shown == api["count"], f"dashboard shows {shown}, API says {api['count']}")
    check(shown > 0, "no attacks in the last 24 h on the dashboard")
    top_ip = b.evaluate("(document.querySelector('[data-top=src_ip] li a') || {}).textContent")
    check(top_ip == api["top"]["src_ip"][0]["value"], f"top attacker {top_ip!r}")
    no_script_ran(b, "dashboard")

    # A new event published over hpfeeds arrives without a reload.
    b.wait_for("document.getElementById('live-state').textContent.includes('live')",
               what="dashboard stream connected")
    b.evaluate("window.__marker = 1")
    subprocess.run(PUBLISH + " 198.51.100.23", shell=True, check=True)
    b.wait_for(f"Number(document.getElementById('attack-count').textContent) > {shown}",
               timeout=90, what="dashboard count to grow")
    b.wait_for("document.getElementById('latest').innerText.includes('198.51.100.23')",
               timeout=90, what="new event in the latest list")
    check(b.evaluate("window.__marker === 1"), "dashboard reloaded")

    # Live map: stream connected, a new event is plotted and listed.
    page(b, "/map")
    b.wait_for("document.getElementById('stream-state').textContent === 'live'",
               what="map stream connected")
    b.evaluate("window.__marker = 2")
    subprocess.run(PUBLISH + " 198.51.100.24", shell=True, check=True)
    b.wait_for("document.getElementById('map-log').innerText.includes('198.51.100.24')",
               timeout=90, what="new event on the live map")
    check(int(b.evaluate("document.getElementById('map-count').textContent")) >= 1,
          "map counter")
    check(b.evaluate("window.__marker === 2"), "map reloaded")
    # Replay a past window from the store.
    b.evaluate("document.querySelector('#replay-form [name=since]').value = '2017-11-04T00:00:00Z';"
               "document.querySelector('#replay-form [name=until]').value = '2017-11-05T00:00:00Z';"
               "document.querySelector('#replay-form button').click(); 1")
    b.wait_for("Number(document.getElementById('map-count').textContent) > 50",
               timeout=90, what="replayed events on the map")

    # Attacker profile of the XSS source: the payload is text, nothing ran.
    page(b, "/attacker/" + XSS_IP)
    check(b.evaluate("document.getElementById('attacker-ip').textContent") == XSS_IP,
          "attacker ip")
    t = text(b)
    check(PAYLOAD in t, "attacker page: username payload not shown as text")
    check(CMD_PAYLOAD in t, "attacker page: command payload not shown as text")
    no_script_ran(b, "attacker")

    # Session detail: timeline and TTY replay of the payload command.
    page(b, f"/session/{XSS_SESSION}?sensor={XSS_SENSOR}")
    check(b.evaluate("document.getElementById('session-id').textContent") == XSS_SESSION,
          "session id")
    check(PAYLOAD in text(b) and CMD_PAYLOAD in text(b), "session: payloads not shown as text")
    b.evaluate("document.getElementById('tty-play').click(); 1")
    b.wait_for(f"document.getElementById('tty').textContent.includes({json.dumps(CMD_PAYLOAD)})",
               what="tty replay")
    no_script_ran(b, "session")

    # Search, credentials, files, sensors, settings: every page, no script.
    page(b, "/search?src_ip=" + XSS_IP)
    check(PAYLOAD in text(b), "search: payload not shown as text")
    no_script_ran(b, "search")
    page(b, "/credentials?hours=24")
    check(PAYLOAD in text(b), "credentials: payload not shown as text")
    no_script_ran(b, "credentials")
    for p in ["/files", "/sensors", "/deploy", "/settings"]:
        page(b, p)
        no_script_ran(b, p)
    check(not b.exceptions, f"uncaught exceptions: {b.exceptions[:2]}")
    print("browser scenario ok")
finally:
    b.close()
