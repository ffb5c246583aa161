#!/usr/bin/env python3
"""Checks that the server and Keycloak with grouptherapy-realm.json work together.

Run by docker/keycloak/verify, which starts both. Real HTTP only: Keycloak's own sign-in form,
its token endpoint, and the server's FHIR API with Keycloak's tokens. Exits non-zero on the
first check that fails, saying which.
"""
import base64
import hashlib
import html
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

KEYCLOAK = os.environ.get("KEYCLOAK_URL", "http://localhost:8180")
REALM = KEYCLOAK + "/realms/grouptherapy"
SERVER = os.environ.get("SERVER_URL", "http://localhost:8080")
FHIR = SERVER + "/fhir"
DEMO = "http://grouptherapy.example.org/identifiers"
REDIRECT = SERVER + "/app/"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps the cookies a server sets, as a browser would on localhost. (Python's cookie jar
    holds back Keycloak's Secure cookies on plain http://localhost, which browsers send.)"""

    def __init__(self):
        self.cookies = {}

    def call(self, method, url, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(k + "=" + v for k, v in self.cookies.items())
        status, answer, text = call(method, url, body, headers)
        for cookie in (answer.get_all("Set-Cookie") or []) if answer else []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return status, answer, text


def call(method, url, body=None, headers=None, opener=None):
    """(status, headers, text) of one request; redirects are returned, not followed."""
    data = None
    headers = dict(headers or {})
    if isinstance(body, dict):
        data = urllib.parse.urlencode(body).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif isinstance(body, str):
        data = body.encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    opener = opener or urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def check(condition, what, detail=""):
    if not condition:
        print("FAILED: " + what + ("\n" + str(detail)[:2000] if detail else ""))
        sys.exit(1)
    print("ok: " + what)


def wait_for(url, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            status, _, _ = call("GET", url)
            if status == 200:
                print("ok: " + what + " is up")
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(2)
    check(False, what + " did not come up in %d s" % seconds)


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def fhir(token, path, method="GET", body=None):
    # Percent-encode what a browser would ("|" in token searches): Tomcat refuses it raw.
    path = urllib.parse.quote(path, safe="/?&=$,:*._-")
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = "application/fhir+json"
    return call(method, FHIR + "/" + path, body, headers)


def client_token(scope):
    status, _, text = call(
        "POST",
        REALM + "/protocol/openid-connect/token",
        {"grant_type": "client_credentials", "client_id": "cli", "client_secret": "cli-secret",
         "scope": scope})
    check(status == 200, "Keycloak issues the cli client a token for " + scope, text)
    return json.loads(text)["access_token"]


def sign_in(username, scope):
    """The SMART standalone launch of the public va-app: PKCE, Keycloak's sign-in form, code."""
    browser = Browser()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    state = secrets.token_urlsafe(12)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": "va-app", "redirect_uri": REDIRECT, "scope": scope,
        "state": state, "aud": FHIR, "code_challenge": challenge,
        "code_challenge_method": "S256"})
    status, _, page = browser.call("GET", REALM + "/protocol/openid-connect/auth?" + query)
    check(status == 200, "Keycloak shows its sign-in form to " + username, page)
    action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page)
    check(action is not None, "the sign-in form has an action", page)
    status, headers, text = browser.call(
        "POST", html.unescape(action.group(1)),
        {"username": username, "password": "demo", "credentialId": ""})
    location = headers.get("Location", "") if headers else ""
    check(status == 302 and location.startswith(REDIRECT),
          username + " signs in and the app gets a code", "%s %s %s" % (status, location, text))
    returned = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    check(returned.get("state") == [state], "state comes back")
    status, _, text = call(
        "POST", REALM + "/protocol/openid-connect/token",
        {"grant_type": "authorization_code", "code": returned["code"][0],
         "redirect_uri": REDIRECT, "client_id": "va-app", "code_verifier": verifier})
    check(status == 200, "the code and verifier are exchanged for tokens", text)
    return json.loads(text)


def keycloak_admin_token():
    status, _, text = call(
        "POST", KEYCLOAK + "/realms/master/protocol/openid-connect/token",
        {"grant_type": "password", "client_id": "admin-cli", "username": "admin",
         "password": os.environ.get("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin")})
    check(status == 200, "Keycloak's admin signs in to its admin API", text)
    return json.loads(text)["access_token"]


def link_user(username, reference):
    """Sets a user's fhirUser attribute: how an operator links Keycloak users to FHIR ids."""
    admin = {"Authorization": "Bearer " + keycloak_admin_token()}
    status, _, text = call("GET", KEYCLOAK + "/admin/realms/grouptherapy/users?exact=true&username="
                           + username, headers=admin)
    check(status == 200 and json.loads(text), "Keycloak knows " + username, text)
    user = json.loads(text)[0]
    user.setdefault("attributes", {})["fhirUser"] = [reference]
    status, _, text = call(
        "PUT", KEYCLOAK + "/admin/realms/grouptherapy/users/" + user["id"], json.dumps(user),
        dict(admin, **{"Content-Type": "application/json"}))
    check(status == 204, username + " is linked to " + reference, text)


def first_member(token, group_identifier):
    status, _, text = fhir(token, "Group?identifier=" + DEMO + "/group|" + group_identifier)
    check(status == 200, "the demo group " + group_identifier + " is found", text)
    group = json.loads(text)["entry"][0]["resource"]
    return group["member"][0]["entity"]["reference"]


def main():
    wait_for(REALM + "/.well-known/openid-configuration", 300, "Keycloak")
    wait_for(FHIR + "/metadata", 300, "the FHIR server")

    status, _, text = call("GET", FHIR + "/.well-known/smart-configuration")
    smart = json.loads(text)
    check(status == 200 and smart["issuer"] == REALM
          and smart["token_endpoint"].startswith(REALM),
          "the server's SMART configuration points at Keycloak", text)

    system = client_token("system/*.cruds")
    check(FHIR in (claims(system).get("aud") if isinstance(claims(system).get("aud"), list)
                   else [claims(system).get("aud")]),
          "Keycloak's token names the FHIR base URL as audience", claims(system))
    status, _, _ = fhir(None, "Patient?_count=1")
    check(status == 401, "no token: 401")
    status, headers, _ = fhir(system[:-2] + ("AA" if not system.endswith("AA") else "BB"),
                              "Patient?_count=1")
    check(status == 401 and "Bearer" in (headers.get("WWW-Authenticate") or ""),
          "a tampered Keycloak token: 401 with WWW-Authenticate")

    # The demo loads on the server's first start; wait for Okafor's Practitioner.
    okafor = None
    deadline = time.time() + 300
    while okafor is None and time.time() < deadline:
        status, _, text = fhir(system, "Practitioner?identifier=" + DEMO
                               + "/practitioner|practitioner-okafor")
        check(status == 200, "a system token searches Practitioners", text) if status != 200 else None
        entries = json.loads(text).get("entry", [])
        if entries:
            okafor = "Practitioner/" + entries[0]["resource"]["id"]
        else:
            time.sleep(3)
    check(okafor is not None, "the demo practice is loaded (Okafor found with a system token)")

    link_user("therapist1", okafor)
    therapist = sign_in("therapist1", "openid fhirUser user/*.rs")
    access = claims(therapist["access_token"])
    check("THERAPIST" in access.get("roles", []), "the therapist's token carries the role", access)
    check(access.get("fhirUser") == okafor, "the therapist's token carries fhirUser", access)
    own = first_member(therapist["access_token"], "group-dbt-monday")
    stranger = first_member(system, "group-grief-support")
    status, _, text = fhir(therapist["access_token"], "Observation?patient=" + own)
    check(status == 200, "the therapist reads clinical data of their own group's member", text)
    status, _, text = fhir(therapist["access_token"], "Observation?patient=" + stranger)
    check(status == 403, "the therapist is refused another therapist's member", text)

    va = sign_in("va", "openid fhirUser offline_access user/*.cruds")
    status, _, text = fhir(va["access_token"], "Appointment?_count=1")
    check(status == 200, "the VA reads the schedule", text)
    status, _, text = fhir(va["access_token"], "Observation?_count=1")
    check(status == 403, "the VA is refused clinical content", text)
    status, _, text = fhir(va["access_token"], "AuditEvent?_count=1")
    check(status == 403, "the VA is refused the audit trail", text)
    check("refresh_token" in va, "offline_access gives the public app a refresh token", va)
    status, _, text = call(
        "POST", REALM + "/protocol/openid-connect/token",
        {"grant_type": "refresh_token", "refresh_token": va["refresh_token"],
         "client_id": "va-app"})
    check(status == 200, "the refresh token is redeemed", text)
    status, _, text = fhir(json.loads(text)["access_token"], "Appointment?_count=1")
    check(status == 200, "the refreshed token works on the server", text)

    admin = sign_in("admin", "openid fhirUser user/*.cruds")
    status, _, text = fhir(admin["access_token"], "AuditEvent?_count=20")
    check(status == 200 and json.loads(text).get("entry"),
          "the administrator reads the audit trail of these requests", text)
    print("Keycloak and the server work together.")


if __name__ == "__main__":
    main()
