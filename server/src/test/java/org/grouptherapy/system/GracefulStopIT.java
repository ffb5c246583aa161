package org.grouptherapy.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.grouptherapy.GroupTherapyServerApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A server told to stop (SIGTERM, as by Ctrl-C or a service manager) stops promptly, writes the
 * audit events of the requests it answered, and stops its embedded PostgreSQL last and cleanly.
 */
class GracefulStopIT {

  private static final int REQUESTS = 25;

  @TempDir Path directory;

  @Test
  void writesTheLastAuditEventsAndStopsPostgresqlLast() throws Exception {
    Path data = directory.resolve("data");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process server = start(data, port);
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      awaitReady(http, server, port);
      String token = token(http, port);
      for (int i = 0; i < REQUESTS; i++) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/fhir/Patient?_count=1"))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
      }

      server.destroy();
      assertThat(server.waitFor(25, TimeUnit.SECONDS))
          .as("stopped within 25 s of SIGTERM; log: %s", directory.resolve("server.log"))
          .isTrue();
    } finally {
      server.destroyForcibly();
    }

    assertThat(data.resolve("postmaster.pid"))
        .as("PostgreSQL was stopped by the server, not left running")
        .doesNotExist();
    try (EmbeddedPostgres postgres =
        EmbeddedPostgresLauncher.start(new AppProperties.Embedded(data, 0))) {
      Integer audited =
          new JdbcTemplate(postgres.getPostgresDatabase())
              .queryForObject(
                  "SELECT count(*) FROM gt.audit_event"
                      + " WHERE client_id = 'cli' AND subtype = 'search-type'",
                  Integer.class);
      assertThat(audited).isEqualTo(REQUESTS);
    }
  }

  private Process start(Path data, int port) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            GroupTherapyServerApplication.class.getName(),
            "--server.port=" + port,
            "--app.demo.enabled=false",
            "--app.security.demo-identities=true",
            "--app.database.embedded.data-directory=" + data)
        .redirectErrorStream(true)
        .redirectOutput(directory.resolve("server.log").toFile())
        .start();
  }

  private void awaitReady(HttpClient http, Process server, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (System.nanoTime() < deadline && server.isAlive()) {
      try {
        // The demo clients are written after the web server starts; the token endpoint is ready
        // when the cli client is.
        if (http.send(tokenRequest(port), HttpResponse.BodyHandlers.ofString()).statusCode()
            == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "The server did not start: " + Files.readString(directory.resolve("server.log")));
  }

  private String token(HttpClient http, int port) throws Exception {
    String body = http.send(tokenRequest(port), HttpResponse.BodyHandlers.ofString()).body();
    return new ObjectMapper().readTree(body).get("access_token").asText();
  }

  private static HttpRequest tokenRequest(int port) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header(
            "Authorization",
            "Basic "
                + Base64.getEncoder()
                    .encodeToString("cli:cli-secret".getBytes(StandardCharsets.UTF_8)))
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "grant_type=client_credentials&scope=system/Patient.rs"))
        .build();
  }
}
