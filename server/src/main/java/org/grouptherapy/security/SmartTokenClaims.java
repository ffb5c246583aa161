package org.grouptherapy.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.grouptherapy.fhir.ServerUrls;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.endpoint.OAuth2AccessTokenResponse;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.stereotype.Component;

/**
 * SMART claims in the embedded server's tokens: the FHIR base URL as audience, the client, the
 * user's roles and {@code fhirUser}, and the {@code patient} in context for {@code launch/patient};
 * the token response carries {@code patient} too, as SMART apps expect.
 */
@Component
class SmartTokenClaims {

  static final String LAUNCH_PATIENT = "launch/patient";

  /** The EHR launch scope, and the authorization request parameter carrying the launch. */
  static final String LAUNCH = "launch";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServerUrls urls;
  private final ObjectProvider<UserDirectory> directory;

  private final ObjectProvider<SmartLaunches> launches;

  SmartTokenClaims(
      ServerUrls urls,
      ObjectProvider<UserDirectory> directory,
      ObjectProvider<SmartLaunches> launches) {
    this.urls = urls;
    this.directory = directory;
    this.launches = launches;
  }

  void customize(JwtEncodingContext context) {
    boolean accessToken = OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType());
    boolean idToken = OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue());
    if (!accessToken && !idToken) {
      return;
    }
    Authentication principal = context.getPrincipal();
    boolean user =
        !AuthorizationGrantType.CLIENT_CREDENTIALS.equals(context.getAuthorizationGrantType());
    Optional<String> fhirUser =
        user
            ? directory.getIfAvailable(() -> UserDirectory.NONE).fhirUser(principal.getName())
            : Optional.empty();
    fhirUser.ifPresent(reference -> context.getClaims().claim("fhirUser", reference));
    if (!accessToken) {
      return;
    }
    // Mutable lists: the claims are stored with the authorization (JDBC, Jackson), whose
    // allowlist refuses the JDK's immutable collections when a refresh token is redeemed.
    context.getClaims().audience(new ArrayList<>(List.of(urls.fhirBaseUrl())));
    context.getClaims().claim("client_id", context.getRegisteredClient().getClientId());
    if (context.getAuthorization() != null) {
      // Every token of one sign-in carries its authorization, so that revoking the authorization
      // (a replayed refresh token) revokes all of them (TokenRevocations).
      context.getClaims().claim(TokenRevocations.GRANT_CLAIM, context.getAuthorization().getId());
    }
    if (user) {
      List<String> roles =
          principal.getAuthorities().stream()
              .map(GrantedAuthority::getAuthority)
              .filter(a -> a.startsWith("ROLE_"))
              .map(a -> a.substring("ROLE_".length()))
              .collect(Collectors.toCollection(ArrayList::new));
      context.getClaims().claim("roles", roles);
      if (context.getAuthorizedScopes().contains(LAUNCH)) {
        ehrLaunch(context)
            .ifPresent(
                launch -> {
                  context.getClaims().claim("patient", launch.patient());
                  if (launch.encounter() != null) {
                    context.getClaims().claim("encounter", launch.encounter());
                  }
                });
      }
      if (context.getAuthorizedScopes().contains(LAUNCH_PATIENT)) {
        fhirUser
            .filter(reference -> reference.startsWith("Patient/"))
            .map(reference -> reference.substring("Patient/".length()))
            .or(() -> pickedPatient(context))
            .ifPresent(patient -> context.getClaims().claim("patient", patient));
      }
    }
  }

  /** The context of the EHR launch this sign-in started from ({@link SmartLaunches}). */
  private Optional<SmartLaunches.Launch> ehrLaunch(JwtEncodingContext context) {
    OAuth2Authorization authorization = context.getAuthorization();
    OAuth2AuthorizationRequest request =
        authorization == null
            ? null
            : authorization.getAttribute(OAuth2AuthorizationRequest.class.getName());
    Object launch = request == null ? null : request.getAdditionalParameters().get(LAUNCH);
    return launch == null ? Optional.empty() : launches.getObject().redeemed(launch.toString());
  }

  /** The patient a staff user picked at launch ({@link PatientLaunch}), kept with the grant. */
  private static Optional<String> pickedPatient(JwtEncodingContext context) {
    OAuth2Authorization authorization = context.getAuthorization();
    OAuth2AuthorizationRequest request =
        authorization == null
            ? null
            : authorization.getAttribute(OAuth2AuthorizationRequest.class.getName());
    return request == null
        ? Optional.empty()
        : Optional.ofNullable(request.getAdditionalParameters().get(PatientLaunch.PARAMETER))
            .map(Object::toString);
  }

  /** Copies the launch context of the access token into the token response. */
  static void addLaunchContext(OAuth2AccessTokenAuthenticationContext context) {
    OAuth2AccessTokenResponse response = context.getAccessTokenResponse().build();
    String[] parts = response.getAccessToken().getTokenValue().split("\\.");
    if (parts.length < 2) {
      return;
    }
    try {
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (claims.hasNonNull("patient")) {
        Map<String, Object> extra = new HashMap<>(response.getAdditionalParameters());
        extra.put("patient", claims.get("patient").asText());
        if (claims.hasNonNull("encounter")) {
          extra.put("encounter", claims.get("encounter").asText());
        }
        extra.put("need_patient_banner", true);
        context.getAccessTokenResponse().additionalParameters(extra);
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("Could not read the access token just issued", e);
    }
  }
}
