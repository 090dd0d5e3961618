"""Browser part of web_settings.sh: an admin saves retention and creates
an alert rule in the settings page; a viewer sees the values, no forms.

argv: BASE_URL ADMIN_PASSWORD VIEWER VIEWER_PASSWORD"""
import sys

from cdp import Browser
from webui import login

BASE, APW, VIEWER, VPW = sys.argv[1:5]


def settings_as(b, user, pw):
    login(b, BASE, user, pw)
    b.navigate(BASE + "/settings")
    b.wait_for("document.body.dataset.ready === '1' && !!document.getElementById('sensor-tags')",
               what="settings page")


b = Browser()
try:
    settings_as(b, "admin", APW)
    b.evaluate("document.getElementById('retention-days').value = '90';"
               "document.querySelector('#retention-form button[type=submit]').click(); 1")
    b.wait_for("document.getElementById('retention-eff-days').textContent === '90'",
               timeout=60, what="retention applied by the store")
    b.evaluate("document.getElementById('rule-name').value = 'pagerule';"
               "document.getElementById('rule-settings').value = '{\"type\": \"download\"}';"
               "document.querySelector('#rule-form button[type=submit]').click(); 1")
    b.wait_for("[...document.querySelectorAll('#rules td')].some(td => td.textContent === 'pagerule')",
               timeout=30, what="rule listed")
    b.wait_for("document.getElementById('rules-msg').textContent.startsWith('Saved')",
               what="rule saved message")
    # files page: the raw download sits behind a warning and a second click
    b.navigate(BASE + "/files")
    b.wait_for("document.body.dataset.ready === '1'", what="files page")
    if b.evaluate("document.querySelectorAll('a.dl-raw').length"):
        raise AssertionError("raw download offered without the warning")
    # (the cowrie log's downloads are in the files list)
    b.wait_for("document.querySelectorAll('.dl-raw-ask').length > 0", what="admin raw button")
    b.evaluate("document.querySelector('.dl-raw-ask').click(); 1")
    b.wait_for("!!document.querySelector('.warning a.dl-raw')", what="raw link after the warning")
    b.navigate(BASE + "/login")  # a new session for the viewer
    b.evaluate("document.cookie = ''; 1")
    b.call("Network.clearBrowserCookies")
    settings_as(b, VIEWER, VPW)
    forms = b.evaluate("['retention-form', 'rule-form'].filter(i => document.getElementById(i)).length"
                       " + document.querySelectorAll('.tag-edit').length")
    if forms:
        raise AssertionError(f"viewer sees {forms} settings forms")
    shown = b.evaluate("document.getElementById('retention-eff-days').textContent")
    if shown != "90":
        raise AssertionError(f"viewer sees retention {shown!r}")
    if b.exceptions:
        raise AssertionError(f"script exceptions: {b.exceptions[:2]}")
    print("settings scenario ok")
finally:
    b.close()
