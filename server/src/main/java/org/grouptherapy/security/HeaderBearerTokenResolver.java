package org.grouptherapy.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;

/**
 * The bearer token of the {@code Authorization} header (RFC 6750 §2.1), the only place this server
 * takes one: never from the query string, where it would end up in logs. The same rules as Spring
 * Security's default resolver, checked with a loop instead of a regular expression over a token of
 * a thousand characters on every request.
 */
final class HeaderBearerTokenResolver implements BearerTokenResolver {

  private static final String SCHEME = "bearer";

  @Override
  public String resolve(HttpServletRequest request) {
    List<String> headers = Collections.list(request.getHeaders(HttpHeaders.AUTHORIZATION));
    if (headers.isEmpty()) {
      return null;
    }
    if (headers.size() > 1) {
      throw new OAuth2AuthenticationException(
          BearerTokenErrors.invalidRequest("Found multiple Authorization headers in the request"));
    }
    String header = headers.get(0);
    if (!header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return null;
    }
    if (header.length() <= SCHEME.length() + 1 || header.charAt(SCHEME.length()) != ' ') {
      throw malformed();
    }
    String token = header.substring(SCHEME.length() + 1);
    if (!isToken68(token)) {
      throw malformed();
    }
    return token;
  }

  /** RFC 6750's b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
  static boolean isToken68(String token) {
    int i = 0;
    int length = token.length();
    while (i < length && isTokenChar(token.charAt(i))) {
      i++;
    }
    if (i == 0) {
      return false;
    }
    while (i < length && token.charAt(i) == '=') {
      i++;
    }
    return i == length;
  }

  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~'
        || c == '+'
        || c == '/';
  }

  private static OAuth2AuthenticationException malformed() {
    return new OAuth2AuthenticationException(
        BearerTokenErrors.invalidToken("Bearer token is malformed"));
  }
}
