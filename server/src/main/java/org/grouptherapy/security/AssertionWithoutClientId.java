package org.grouptherapy.security;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.util.HashMap;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * A client assertion ({@code private_key_jwt}) sent without {@code client_id}, which SMART Backend
 * Services and RFC 7523 leave optional: the client is the assertion's issuer (which must also be
 * its subject). Nothing is trusted from the unverified assertion but the name of the client whose
 * keys then verify it, exactly as when {@code client_id} is sent.
 */
final class AssertionWithoutClientId implements AuthenticationConverter {

  static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  @Override
  public Authentication convert(HttpServletRequest request) {
    if (!"POST".equals(request.getMethod())
        || request.getParameter(OAuth2ParameterNames.CLIENT_ID) != null
        || !JWT_BEARER.equals(request.getParameter(OAuth2ParameterNames.CLIENT_ASSERTION_TYPE))) {
      return null;
    }
    String[] assertions = request.getParameterValues(OAuth2ParameterNames.CLIENT_ASSERTION);
    if (assertions == null || assertions.length != 1) {
      return null;
    }
    String issuer;
    try {
      JWTClaimsSet claims = JWTParser.parse(assertions[0]).getJWTClaimsSet();
      issuer = claims.getIssuer();
      if (issuer == null || !issuer.equals(claims.getSubject())) {
        return null; // Spring's converter then answers invalid_request
      }
    } catch (ParseException e) {
      return null;
    }
    Map<String, Object> additional = new HashMap<>();
    request
        .getParameterMap()
        .forEach(
            (name, values) -> {
              if (!name.equals(OAuth2ParameterNames.CLIENT_ASSERTION_TYPE)
                  && !name.equals(OAuth2ParameterNames.CLIENT_ASSERTION)) {
                additional.put(name, values.length == 1 ? values[0] : values);
              }
            });
    return new OAuth2ClientAuthenticationToken(
        issuer, new ClientAuthenticationMethod(JWT_BEARER), assertions[0], additional);
  }
}
