package org.grouptherapy.system;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.grouptherapy.GroupTherapyServerApplication;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A server process that is starting answers 503 with Retry-After and an OperationOutcome until it
 * is ready, never an error that blames the caller (401 {@code invalid_client} before the demo
 * clients exist). A server told to stop (SIGTERM, as by Ctrl-C or a service manager) stops
 * promptly, writes the audit events of the requests it answered, and stops its embedded PostgreSQL
 * last and cleanly.
 */
class GracefulStopIT {

  private static final int REQUESTS = 25;
  private static final String SCOPE = "system/Patient.rs";

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
      SmartAuth auth = new SmartAuth(port);
      awaitReady(auth, server, port);
      FhirHttp fhir = new FhirHttp(port, FhirContext.forR4Cached(), auth.clientToken(SCOPE));
      for (int i = 0; i < REQUESTS; i++) {
        assertThat(fhir.get("Patient?_count=1").status()).isEqualTo(200);
      }

      server.destroy();
      // Spring's shutdown phase allows 20 s: a server still running long after is stuck.
      assertThat(server.waitFor(Waits.PATIENCE.toSeconds(), TimeUnit.SECONDS))
          .as("stopped after SIGTERM; log: %s", directory.resolve("server.log"))
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

  private static HttpResponse<String> metadata(int port) {
    return SmartAuth.send(
        HttpClient.newHttpClient(),
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/metadata")));
  }

  /** Before it is ready the server says so: 503, when to retry, and why, as FHIR. */
  private static void assertStartingOrReady(HttpResponse<String> response) {
    if (response.statusCode() == 200) {
      return;
    }
    if (response.statusCode() != 503
        || response.headers().firstValue("Retry-After").isEmpty()
        || !response.body().contains("\"OperationOutcome\"")
        || !response.body().contains("not ready")) {
      throw new AssertionError(
          "A starting server answered "
              + response.statusCode()
              + " "
              + response.headers().map()
              + " "
              + response.body());
    }
  }

  private void awaitReady(SmartAuth auth, Process server, int port) throws Exception {
    Map<String, String> form = Map.of("grant_type", "client_credentials", "scope", SCOPE);
    try {
      Waits.eventually()
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                if (!server.isAlive()) {
                  throw new AssertionError("The server process ended");
                }
                try {
                  assertStartingOrReady(metadata(port));
                  HttpResponse<String> token = auth.tokenResponse("cli", "cli-secret", form);
                  assertStartingOrReady(token);
                  return token.statusCode() == 200;
                } catch (UncheckedIOException notYet) {
                  return false; // not listening yet
                }
              });
    } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "The server did not start: " + Files.readString(directory.resolve("server.log")), e);
    }
  }
}
