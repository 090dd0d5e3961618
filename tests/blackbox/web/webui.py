"""Helpers shared by the browser scenarios (web_files.sh, web_settings.sh)."""
import json


def login(b, base, user, pw):
    """Log in through the login form; returns on the dashboard."""
    b.navigate(base + "/login")
    b.wait_for("document.body.dataset.ready === '1'", what="login page")
    b.evaluate(f"document.getElementById('username').value = {json.dumps(user)};"
               f"document.getElementById('password').value = {json.dumps(pw)};"
               "document.getElementById('login-button').click(); 1")
    b.wait_for("location.pathname === '/' && document.body.dataset.ready === '1'",
               what="dashboard after login")
