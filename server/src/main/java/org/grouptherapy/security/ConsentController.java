package org.grouptherapy.security;

import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.ModelAndView;

/**
 * The consent page of apps registered to require it (a third-party SMART app): the user sees each
 * scope asked for, in words, and may untick any; the app's token then carries only what was left
 * ticked (OpenID's {@code openid} aside, which is always kept). Unticking all, or Deny, tells the
 * app {@code access_denied}.
 */
// Part of the embedded authorization server: absent when an external issuer signs the tokens.
@ConditionalOnExpression("'${app.security.issuer-uri:}'.isEmpty()")
@Controller
class ConsentController {

  static final String PATH = "/oauth2/consent";

  record Scope(String value, String description) {}

  private final RegisteredClientRepository clients;
  private final OAuth2AuthorizationConsentService consents;

  ConsentController(
      RegisteredClientRepository clients, OAuth2AuthorizationConsentService consents) {
    this.clients = clients;
    this.consents = consents;
  }

  @GetMapping(PATH)
  ModelAndView consent(
      Principal user,
      @RequestParam("client_id") String clientId,
      @RequestParam(name = "scope", defaultValue = "") String scope,
      @RequestParam String state) {
    RegisteredClient client = clients.findByClientId(clientId);
    if (client == null) {
      return PatientPickerController.problem(
          HttpStatus.BAD_REQUEST, "This page is part of an app's sign-in; start again.");
    }
    OAuth2AuthorizationConsent previous = consents.findById(client.getId(), user.getName());
    Set<String> granted = previous == null ? Set.of() : previous.getScopes();
    List<Scope> asked = new ArrayList<>();
    Set<String> already = new LinkedHashSet<>();
    for (String one : scope.split(" ")) {
      if (one.isBlank() || OidcScopes.OPENID.equals(one)) {
        continue;
      }
      if (granted.contains(one)) {
        already.add(one);
      } else {
        asked.add(new Scope(one, describe(one)));
      }
    }
    ModelAndView page = new ModelAndView("consent");
    page.addObject("clientId", clientId);
    page.addObject(
        "clientName", client.getClientName() == null ? clientId : client.getClientName());
    page.addObject("state", state);
    page.addObject("scopes", asked);
    page.addObject("granted", List.copyOf(already));
    return page;
  }

  /** A scope in words. */
  static String describe(String scope) {
    return switch (scope) {
      case "fhirUser", "profile" -> "know who you are (your name and role)";
      case "launch", "launch/patient" -> "know which patient's record you opened";
      case "offline_access" -> "keep access after you close the app, until you sign out";
      case "online_access" -> "keep access while you are signed in";
      default -> SmartScope.parse(scope).map(ConsentController::describe).orElse(scope);
    };
  }

  private static String describe(SmartScope parsed) {
    String what =
        SmartScope.ANY_TYPE.equals(parsed.resourceType())
            ? "all records"
            : parsed.resourceType() + " records";
    String whose =
        switch (parsed.context()) {
          case PATIENT -> " of the patient in context";
          case USER -> " you may see";
          case SYSTEM -> " of the whole practice";
        };
    List<String> verbs = new ArrayList<>();
    for (SmartScope.Permission permission : parsed.permissions()) {
      verbs.add(
          switch (permission) {
            case CREATE -> "create";
            case READ -> "read";
            case UPDATE -> "change";
            case DELETE -> "delete";
            case SEARCH -> "search";
          });
    }
    return String.join(", ", verbs) + " " + what + whose;
  }
}
