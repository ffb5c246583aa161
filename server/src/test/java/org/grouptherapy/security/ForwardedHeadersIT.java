package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Optional;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * X-Forwarded-For counts only from a configured proxy (the tests trust 127.0.0.1): the audit trail
 * records the client the balancer saw; a client that is not a proxy cannot pick its own address.
 */
@IntegrationTest
class ForwardedHeadersIT {

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired AuditTrail audit;

  @Test
  void theClientAddressComesFromTheTrustedProxyOnly() throws Exception {
    String token = new SmartAuth(port).clientToken("system/Patient.rs");
    String viaProxy = marker();
    assertThat(search("127.0.0.1", token, viaProxy, "203.0.113.9").statusCode()).isEqualTo(200);
    assertThat(addressOf(viaProxy)).isEqualTo("203.0.113.9");

    Optional<String> own = nonLoopbackAddress();
    assumeTrue(own.isPresent(), "no non-loopback address to call from");
    String direct = marker();
    assertThat(search(own.get(), token, direct, "203.0.113.10").statusCode()).isEqualTo(200);
    assertThat(addressOf(direct)).isEqualTo(own.get());
  }

  private HttpResponse<String> search(String host, String token, String family, String forwarded) {
    return SmartAuth.send(
        HttpClient.newHttpClient(),
        HttpRequest.newBuilder(
                URI.create("http://" + host + ":" + port + "/fhir/Patient?family=" + family))
            .header("Authorization", "Bearer " + token)
            .header("X-Forwarded-For", forwarded)
            .header("X-Forwarded-Proto", "https"));
  }

  /** The address the request's audit event names, once written (events are written after). */
  private String addressOf(String family) {
    String sql = "SELECT address FROM gt.audit_event WHERE query LIKE ? ORDER BY id DESC LIMIT 1";
    Waits.eventually()
        .until(
            () -> {
              audit.flush();
              return !jdbc.queryForList(sql, String.class, "%" + family + "%").isEmpty();
            });
    return jdbc.queryForObject(sql, String.class, "%" + family + "%");
  }

  private static String marker() {
    return "Forwarded" + Long.toString(System.nanoTime(), 36).replaceAll("[0-9]", "x");
  }

  private static Optional<String> nonLoopbackAddress() throws Exception {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address) {
          return Optional.of(address.getHostAddress());
        }
      }
    }
    return Optional.empty();
  }
}
