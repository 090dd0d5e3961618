"""Browser part of web_files.sh: the session page plays the session's TTY
recording with the embedded asciinema-player (headless Chromium over CDP).

argv: BASE_URL USER PASSWORD SESSION SENSOR"""
import sys

from cdp import Browser
from webui import login

BASE, USER, PW, SESSION, SENSOR = sys.argv[1:6]

b = Browser()
try:
    login(b, BASE, USER, PW)
    b.navigate(f"{BASE}/session/{SESSION}?sensor={SENSOR}")
    b.wait_for("document.body.dataset.ready === '1'", what="session page")
    err = b.evaluate("(document.querySelector('#main .error') || {}).textContent || ''")
    if err:
        raise AssertionError(f"session page error: {err!r}")
    b.wait_for("(document.getElementById('tty-player') || {dataset: {}}).dataset.player === 'ready'",
               what="player created")
    b.evaluate("window.apiaryPlayer.play(); 1")
    # The player's terminal (its own DOM, drawn by its emulator) shows the
    # recorded output: the first frame, then the one 0.2 s later.
    shown = b.wait_for(
        "(t => t.includes('APIARY-TTY-OK') && t.includes('second line') && t)"
        "(document.getElementById('tty-player').innerText)",
        timeout=60, what="recorded frames in the player")
    # The escape sequences were interpreted, not printed.
    if "[1;32m" in shown:
        raise AssertionError("escape codes shown as text: " + shown[:200])
    # The files page: a viewer gets the encrypted ZIP link, no raw download.
    b.navigate(BASE + "/files")
    b.wait_for("document.body.dataset.ready === '1'", what="files page")
    zips = b.evaluate("[...document.querySelectorAll('a.dl-zip')].map(a => a.getAttribute('href'))")
    if not zips or not all(z.startswith("/api/v1/files/") and z.endswith("/download?format=zip") for z in zips):
        raise AssertionError(f"zip links: {zips!r}")
    raw = b.evaluate("document.querySelectorAll('.dl-raw-ask, a.dl-raw').length")
    if raw:
        raise AssertionError("a viewer is offered raw downloads")
    if b.exceptions:
        raise AssertionError(f"script exceptions: {b.exceptions[:2]}")
    print("player scenario ok")
finally:
    b.close()
