// Staff login, one step per POST /api/login (alpr/services/login.py): the password; on a first login a new
// password and an authenticator app (QR code and the same key as text); on every later login the app's code.
// The Cognito session each answer carries is a secret: it is kept in this closure only (never in storage)
// and sent back with the next step. The page (app.js) gets the ID token through onSignedIn.
"use strict";

const StaffLoginFlow = (() => {
  const el = (id) => document.getElementById(id);
  const FORMS = ["login-form", "new-password-form", "mfa-setup-form", "mfa-form"];
  const FORM_FOR = { NEW_PASSWORD_REQUIRED: "new-password-form", MFA_SETUP: "mfa-setup-form", SOFTWARE_TOKEN_MFA: "mfa-form" };
  const SECRET_FIELDS = ["password", "new-password", "new-password-again", "mfa-setup-code", "mfa-code"];
  let pending = null; // { username, challenge, session } while a challenge waits for its answer
  let onSignedIn = () => {};

  function error(text) {
    el("login-error").textContent = text || "";
    el("login-error").hidden = !text;
  }

  function showForm(formId) {
    FORMS.forEach((id) => { el(id).hidden = id !== formId; });
    el("login-restart").hidden = formId === "login-form";
    const first = el(formId).querySelector("input");
    if (first) first.focus();
  }

  function forget() {
    pending = null;
    SECRET_FIELDS.forEach((id) => { el(id).value = ""; });
    el("mfa-secret").textContent = "";
    el("mfa-qr").removeAttribute("src");
  }

  // Back to the password: after a log-out, an expired login, or "Start again".
  function reset(message) {
    forget();
    showForm("login-form");
    error(message || "");
  }

  async function send(body) {
    const response = await fetch(new URL("/api/login", window.location.href), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) {
      const refused = new Error(answer.message || response.statusText || "the login failed: try again");
      refused.code = answer.error;
      throw refused;
    }
    return answer;
  }

  async function step(body, answerField) {
    error("");
    const button = document.activeElement;
    try {
      const answer = await send(body);
      if (answer.id_token) { forget(); showForm("login-form"); await onSignedIn(answer.id_token, answer.expires_in); return; }
      pending = { username: body.username, challenge: answer.challenge, session: answer.session };
      el("password").value = "";
      if (answer.challenge === "NEW_PASSWORD_REQUIRED") el("password-rules").textContent = `The department's rule: ${answer.password_rules}.`;
      if (answer.challenge === "MFA_SETUP") {
        el("mfa-qr").src = answer.qr_svg;
        el("mfa-secret").textContent = answer.secret_grouped;
      }
      showForm(FORM_FOR[answer.challenge]);
    } catch (refused) {
      if (refused.code === "login_expired") { reset(refused.message); return; }
      error(refused.message);
      if (answerField) { el(answerField).value = ""; el(answerField).focus(); } else if (button && button.focus) button.focus();
    }
  }

  function answerChallenge(fields, answerField) {
    return step({ username: pending.username, challenge: pending.challenge, session: pending.session, ...fields }, answerField);
  }

  function attach(handlers) {
    onSignedIn = handlers.onSignedIn;
    el("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const body = { username: el("username").value.trim(), password: el("password").value };
      forget();
      step(body, "password");
    });
    el("new-password-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (el("new-password").value !== el("new-password-again").value) {
        error("the two new passwords differ: type the same one twice");
        el("new-password-again").value = "";
        el("new-password-again").focus();
        return;
      }
      answerChallenge({ new_password: el("new-password").value }, "new-password-again");
    });
    el("mfa-setup-form").addEventListener("submit", (event) => {
      event.preventDefault();
      answerChallenge({ code: el("mfa-setup-code").value.trim() }, "mfa-setup-code");
    });
    el("mfa-form").addEventListener("submit", (event) => {
      event.preventDefault();
      answerChallenge({ code: el("mfa-code").value.trim() }, "mfa-code");
    });
    el("login-restart").addEventListener("click", () => reset(""));
  }

  return { attach, reset };
})();
