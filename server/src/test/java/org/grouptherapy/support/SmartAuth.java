package org.grouptherapy.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Gets tokens from the running server's embedded authorization server the way real clients do: the
 * SMART standalone launch (authorization code + PKCE through the sign-in form) with a plain HTTP
 * client, and client credentials for backend clients.
 */
public final class SmartAuth {

  public static final String REDIRECT = "http://127.0.0.1:61234/callback";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Cached> CACHE = new ConcurrentHashMap<>();

  private final String root;

  public SmartAuth(int port) {
    this.root = "http://localhost:" + port;
  }

  public String fhirBase() {
    return root + "/fhir";
  }

  /**
   * A token of the command-line client (client credentials), cached per scope until two minutes
   * before it expires: a slow suite never sends an expired one.
   */
  public String clientToken(String scope) {
    return cached(root + " cli " + scope, () -> clientCredentials("cli", "cli-secret", scope));
  }

  private static String cached(String key, java.util.function.Supplier<JsonNode> issue) {
    Cached entry =
        CACHE.compute(
            key,
            (k, old) -> {
              if (old != null && Instant.now().isBefore(old.refreshAfter())) {
                return old;
              }
              JsonNode response = issue.get();
              long lifetime = response.path("expires_in").asLong(300);
              return new Cached(
                  response.get("access_token").asText(),
                  Instant.now().plusSeconds(Math.max(0, lifetime - 120)));
            });
    return entry.token();
  }

  private record Cached(String token, Instant refreshAfter) {}

  public JsonNode clientCredentials(String clientId, String secret, String scope) {
    return tokenRequest(
        clientId, secret, Map.of("grant_type", "client_credentials", "scope", scope));
  }

  /** A user's token through the full standalone launch, cached per user and scope (as above). */
  public String userToken(String username, String scope) {
    return cached(root + " " + username + " " + scope, () -> launch(username, "demo", scope));
  }

  /** The SMART standalone launch of the public VA app. */
  public JsonNode launch(String username, String password, String scope) {
    return launch("va-app", null, username, password, scope);
  }

  /**
   * The SMART standalone launch: authorize, sign in, consent-free redirect, code exchange; a
   * confidential client authenticates with its secret at the token endpoint.
   */
  public JsonNode launch(
      String clientId, String clientSecret, String username, String password, String scope) {
    return launch(
        clientId,
        clientSecret,
        username,
        password,
        scope,
        page -> {
          throw new IllegalStateException("unexpected patient picker: " + page.body());
        });
  }

  /** The patient picker as the user sees it: the page and the patients it offers, by id. */
  public record PickerPage(String body, java.util.List<String> patients) {}

  /**
   * The standalone launch of the VA app by a staff user with launch/patient: the server shows its
   * patient picker and {@code choose} picks one of the offered patients by id.
   */
  public JsonNode launchPickingPatient(
      String username, String scope, java.util.function.Function<PickerPage, String> choose) {
    return launch("va-app", null, username, "demo", scope, choose);
  }

  private JsonNode launch(
      String clientId,
      String clientSecret,
      String username,
      String password,
      String scope,
      java.util.function.Function<PickerPage, String> choose) {
    return launch(
        clientId,
        clientSecret,
        username,
        password,
        scope,
        choose,
        offered -> {
          throw new IllegalStateException("unexpected consent page: " + offered);
        });
  }

  /**
   * The standalone launch of an app that asks for the user's consent: {@code grant} is shown the
   * scopes offered on the consent page and answers those the user leaves ticked.
   */
  public JsonNode launchWithConsent(
      String clientId,
      String username,
      String scope,
      java.util.function.Function<java.util.List<String>, java.util.List<String>> grant) {
    return launch(
        clientId,
        null,
        username,
        "demo",
        scope,
        page -> {
          throw new IllegalStateException("unexpected patient picker");
        },
        grant);
  }

  private JsonNode launch(
      String clientId,
      String clientSecret,
      String username,
      String password,
      String scope,
      java.util.function.Function<PickerPage, String> choose,
      java.util.function.Function<java.util.List<String>, java.util.List<String>> grant) {
    HttpClient browser =
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    String verifier = randomUrlSafe(48);
    String state = randomUrlSafe(12);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("response_type", "code");
    params.put("client_id", clientId);
    params.put("redirect_uri", REDIRECT);
    params.put("scope", scope);
    params.put("state", state);
    params.put("aud", fhirBase());
    params.put("code_challenge", challenge(verifier));
    params.put("code_challenge_method", "S256");

    HttpResponse<String> authorize = get(browser, root + "/oauth2/authorize?" + query(params));
    require(authorize.statusCode() == 302, "authorize should redirect to sign-in", authorize);
    HttpResponse<String> signedIn =
        signInAt(
            browser,
            absolute(authorize.headers().firstValue("Location").orElseThrow()),
            username,
            password);
    String next = absolute(signedIn.headers().firstValue("Location").orElseThrow());
    require(!next.contains("error"), "sign-in failed", signedIn);

    HttpResponse<String> approved = get(browser, next);
    require(approved.statusCode() == 302, "authorize should redirect", approved);
    String location = approved.headers().firstValue("Location").orElseThrow();
    if (location.contains("/launch/patient")) {
      HttpResponse<String> picker = get(browser, absolute(location));
      require(picker.statusCode() == 200, "the patient picker", picker);
      java.util.List<String> offered = new java.util.ArrayList<>();
      Matcher radio = Pattern.compile("name=\"patient\" value=\"([^\"]+)\"").matcher(picker.body());
      while (radio.find()) {
        offered.add(radio.group(1));
      }
      String patient = choose.apply(new PickerPage(picker.body(), offered));
      HttpResponse<String> picked = pick(browser, absolute(location), picker, patient);
      require(picked.statusCode() == 302, "the pick goes back to authorize", picked);
      approved = get(browser, absolute(picked.headers().firstValue("Location").orElseThrow()));
      require(approved.statusCode() == 302, "authorize should redirect to the app", approved);
    }
    location = approved.headers().firstValue("Location").orElseThrow();
    if (location.contains("/oauth2/consent")) {
      HttpResponse<String> consent = get(browser, absolute(location));
      require(consent.statusCode() == 200, "the consent page", consent);
      java.util.List<String> offered = new java.util.ArrayList<>();
      Matcher box =
          Pattern.compile("type=\"checkbox\" name=\"scope\" value=\"([^\"]+)\"")
              .matcher(consent.body());
      while (box.find()) {
        offered.add(box.group(1));
      }
      Matcher stateField =
          Pattern.compile("name=\"state\" value=\"([^\"]+)\"").matcher(consent.body());
      require(stateField.find(), "the consent form carries the state", consent);
      StringBuilder body =
          new StringBuilder("client_id=")
              .append(URLEncoder.encode(clientId, StandardCharsets.UTF_8))
              .append("&state=")
              .append(URLEncoder.encode(stateField.group(1), StandardCharsets.UTF_8));
      for (String granted : grant.apply(offered)) {
        body.append("&scope=").append(URLEncoder.encode(granted, StandardCharsets.UTF_8));
      }
      approved =
          send(
              browser,
              HttpRequest.newBuilder(URI.create(root + "/oauth2/authorize"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
      require(approved.statusCode() == 302, "consent redirects to the app", approved);
    }
    URI callback = URI.create(approved.headers().firstValue("Location").orElseThrow());
    Map<String, String> returned = parseQuery(callback.getRawQuery());
    require(returned.containsKey("code"), "the app receives a code: " + callback, approved);
    require(state.equals(returned.get("state")), "state is echoed", approved);

    return tokenRequest(
        clientId,
        clientSecret,
        Map.of(
            "grant_type", "authorization_code",
            "code", returned.get("code"),
            "redirect_uri", REDIRECT,
            "client_id", clientId,
            "code_verifier", verifier));
  }

  /** The EHR's side of an EHR launch: the signed-in user opens the VA app for a patient. */
  public HttpResponse<String> openFromEhr(HttpClient browser, String patient) {
    return get(browser, root + "/launch/ehr?client_id=va-app&patient=" + patient);
  }

  /**
   * The app's side of an EHR launch: authorize with the launch it was given (the user is signed in
   * already), then exchange the code. Answers the authorize response when it brings no code.
   */
  public Object authorizeLaunch(HttpClient browser, String launch, String scope) {
    String verifier = randomUrlSafe(48);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("response_type", "code");
    params.put("client_id", "va-app");
    params.put("redirect_uri", REDIRECT);
    params.put("scope", scope);
    params.put("state", "s1");
    params.put("aud", fhirBase());
    params.put("launch", launch);
    params.put("code_challenge", challenge(verifier));
    params.put("code_challenge_method", "S256");
    HttpResponse<String> authorize = get(browser, root + "/oauth2/authorize?" + query(params));
    String location = authorize.headers().firstValue("Location").orElse("");
    if (authorize.statusCode() != 302 || !location.startsWith(REDIRECT)) {
      return authorize;
    }
    Map<String, String> returned = parseQuery(URI.create(location).getRawQuery());
    if (!returned.containsKey("code")) {
      return authorize;
    }
    return tokenRequest(
        "va-app",
        null,
        Map.of(
            "grant_type",
            "authorization_code",
            "code",
            returned.get("code"),
            "redirect_uri",
            REDIRECT,
            "client_id",
            "va-app",
            "code_verifier",
            verifier));
  }

  /** A browser with a signed-in session of this user (sign-in form, CSRF and all). */
  public HttpClient signIn(String username) {
    HttpClient browser =
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    signInAt(browser, root + "/login", username, "demo");
    return browser;
  }

  /**
   * Submits the patient picker at {@code pickerUrl}, whose page the browser has just been shown,
   * with {@code patient}: the server answers with a redirect back to authorize, or a refusal.
   */
  public HttpResponse<String> pick(
      HttpClient browser, String pickerUrl, HttpResponse<String> page, String patient) {
    String authorize = parseQuery(URI.create(pickerUrl).getRawQuery()).get("authorize");
    return send(
        browser,
        HttpRequest.newBuilder(URI.create(root + "/launch/patient"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                form(
                    Map.of("authorize", authorize, "patient", patient, "_csrf", csrfToken(page)))));
  }

  /** The CSRF token of a form page of the server (sign-in, patient picker). */
  private static String csrfToken(HttpResponse<String> page) {
    Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(page.body());
    require(csrf.find(), "the form has a CSRF token", page);
    return csrf.group(1);
  }

  /**
   * One attempt at the sign-in form with a fresh browser: the answer redirects to the sign-in page
   * with {@code ?error} when it failed, elsewhere when it worked.
   */
  public HttpResponse<String> trySignIn(String username, String password) {
    HttpClient browser =
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    HttpResponse<String> loginPage = get(browser, root + "/login");
    return send(
        browser,
        HttpRequest.newBuilder(URI.create(root + "/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                form(
                    Map.of(
                        "username",
                        username,
                        "password",
                        password,
                        "_csrf",
                        csrfToken(loginPage)))));
  }

  /** Fills in the sign-in form found at {@code loginPageUrl}; the answer redirects onwards. */
  private HttpResponse<String> signInAt(
      HttpClient browser, String loginPageUrl, String username, String password) {
    HttpResponse<String> loginPage = get(browser, loginPageUrl);
    String csrf = csrfToken(loginPage);
    HttpResponse<String> signedIn =
        send(
            browser,
            HttpRequest.newBuilder(URI.create(root + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(form(Map.of("username", username, "password", password, "_csrf", csrf))));
    require(signedIn.statusCode() == 302, "sign-in should redirect back", signedIn);
    return signedIn;
  }

  /** An authorization request of the VA app with PKCE, plus {@code extra} parameters. */
  public String authorizeUrl(String scope, Map<String, String> extra) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("response_type", "code");
    params.put("client_id", "va-app");
    params.put("redirect_uri", REDIRECT);
    params.put("scope", scope);
    params.put("state", randomUrlSafe(12));
    params.put("aud", fhirBase());
    params.put("code_challenge", challenge(randomUrlSafe(48)));
    params.put("code_challenge_method", "S256");
    params.putAll(extra);
    return root + "/oauth2/authorize?" + query(params);
  }

  public String root() {
    return root;
  }

  /**
   * Exchanges a refresh token for a new access token; a public client (no secret) names itself with
   * client_id.
   */
  public JsonNode refresh(String clientId, String clientSecret, String refreshToken) {
    return json(refreshResponse(clientId, clientSecret, refreshToken), 200);
  }

  /** The token endpoint's answer to a refresh, whatever its status. */
  public HttpResponse<String> refreshResponse(
      String clientId, String clientSecret, String refreshToken) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("grant_type", "refresh_token");
    values.put("refresh_token", refreshToken);
    if (clientSecret == null) {
      values.put("client_id", clientId);
    }
    return tokenResponse(clientId, clientSecret, values);
  }

  /**
   * The token endpoint's answer to a form, whatever its status; with a secret the client
   * authenticates with HTTP Basic.
   */
  public HttpResponse<String> tokenResponse(
      String clientId, String clientSecret, Map<String, String> values) {
    return send(
        HttpClient.newHttpClient(), formRequest("/oauth2/token", clientId, clientSecret, values));
  }

  /** The revocation endpoint's answer for a public client revoking a token with its id alone. */
  public HttpResponse<String> revokeResponse(String clientId, String token) {
    return send(
        HttpClient.newHttpClient(),
        formRequest(
            "/oauth2/revoke", clientId, null, Map.of("token", token, "client_id", clientId)));
  }

  /** Revocation by a confidential client (HTTP Basic with its secret). */
  public HttpResponse<String> revokeResponse(String clientId, String secret, String token) {
    return send(
        HttpClient.newHttpClient(),
        formRequest("/oauth2/revoke", clientId, secret, Map.of("token", token)));
  }

  private JsonNode tokenRequest(String clientId, String clientSecret, Map<String, String> values) {
    return json(tokenResponse(clientId, clientSecret, values), 200);
  }

  private HttpRequest.Builder formRequest(
      String path, String clientId, String clientSecret, Map<String, String> values) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(root + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(form(values));
    if (clientSecret != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(
                      (clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8)));
    }
    return request;
  }

  public static String challenge(String verifier) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static String randomUrlSafe(int bytes) {
    byte[] random = new byte[bytes];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  public HttpResponse<String> get(HttpClient client, String url) {
    return send(
        client, HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html").GET());
  }

  public static HttpRequest.BodyPublisher form(Map<String, String> values) {
    return HttpRequest.BodyPublishers.ofString(query(values));
  }

  public static String query(Map<String, String> values) {
    return values.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  public static Map<String, String> parseQuery(String query) {
    Map<String, String> values = new LinkedHashMap<>();
    if (query == null) {
      return values;
    }
    for (String pair : query.split("&")) {
      String[] kv = pair.split("=", 2);
      values.put(
          kv[0], kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    return values;
  }

  public String absolute(String location) {
    return location.startsWith("http") ? location : root + location;
  }

  public static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) {
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode json(HttpResponse<String> response, int expected) {
    require(response.statusCode() == expected, "token endpoint", response);
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void require(boolean condition, String what, HttpResponse<String> response) {
    if (!condition) {
      throw new AssertionError(
          what
              + ": got "
              + response.statusCode()
              + " "
              + response.headers().map()
              + " "
              + response.body());
    }
  }
}
