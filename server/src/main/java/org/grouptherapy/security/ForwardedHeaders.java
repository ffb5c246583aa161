package org.grouptherapy.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.security.web.util.matcher.IpAddressMatcher;
import org.springframework.web.filter.ForwardedHeaderFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Honours {@code Forwarded} (RFC 7239) and {@code X-Forwarded-For/-Proto/-Host/-Port} only from the
 * configured proxies ({@code app.security.trusted-proxies}): behind a balancer that terminates TLS,
 * the client's address (audit, sign-in throttling) and the https scheme (redirects) are the ones
 * the balancer saw. From any other sender the headers are removed, so a client cannot choose the
 * address it is audited and throttled under. Links and the token issuer never come from headers
 * either way: they are the configured public URL.
 */
final class ForwardedHeaders extends OncePerRequestFilter {

  private final List<IpAddressMatcher> trusted;
  private final ForwardedHeaderFilter apply = new ForwardedHeaderFilter();
  private final ForwardedHeaderFilter remove = new ForwardedHeaderFilter();

  ForwardedHeaders(List<String> trustedProxies) {
    this.trusted = trustedProxies.stream().map(IpAddressMatcher::new).toList();
    this.remove.setRemoveOnly(true);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String from = request.getRemoteAddr();
    boolean fromProxy = from != null && trusted.stream().anyMatch(m -> m.matches(from));
    (fromProxy ? apply : remove).doFilter(request, response, chain);
  }
}
