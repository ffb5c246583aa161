package org.grouptherapy.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.grouptherapy.GroupTherapyServerApplication;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Three instances started at the same moment on one empty PostgreSQL all become ready: the schema
 * migrations, the conformance package, the demo practice, the demo identities and the first signing
 * key are each done once, under start-up locks; every instance accepts the tokens of the others, a
 * sign-in begun on one instance continues on another (sessions in PostgreSQL), and a Subscription
 * written on one instance is matched at once by the writes every instance takes.
 */
class SimultaneousStartIT {

  private static final int INSTANCES = 3;
  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      new com.fasterxml.jackson.databind.ObjectMapper();

  @TempDir Path directory;

  @Test
  void threeInstancesOnAnEmptyDatabaseAllBecomeReadyAndShareOneOfEverything() throws Exception {
    try (EmbeddedPostgres postgres =
        EmbeddedPostgresLauncher.start(new AppProperties.Embedded(directory.resolve("pg"), 0))) {
      List<Process> servers = new ArrayList<>();
      List<Integer> ports = new ArrayList<>();
      try {
        for (int i = 0; i < INSTANCES; i++) {
          int port = freePort();
          ports.add(port);
          servers.add(start(i, port, postgres.getPort()));
        }
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
          tokens.add(awaitToken(i, servers.get(i), ports.get(i)));
        }
        for (int i = 0; i < INSTANCES; i++) {
          for (String token : tokens) {
            HttpResponse<String> found = search(ports.get(i), token, "Group?_count=200");
            assertThat(found.statusCode())
                .as("instance %d accepts every instance's token: %s", i, found.body())
                .isEqualTo(200);
          }
        }

        // A sign-in begun on one instance continues on another (sessions in PostgreSQL).
        HttpClient browser = new SmartAuth(ports.get(0)).signIn("va");
        SmartAuth other = new SmartAuth(ports.get(1));
        HttpResponse<String> authorized =
            other.get(
                browser,
                other.authorizeUrl(
                    "openid user/Group.rs", Map.of("aud", "http://gt.example.org/fhir")));
        assertThat(authorized.statusCode()).as(authorized.toString()).isEqualTo(302);
        assertThat(authorized.headers().firstValue("Location").orElse(""))
            .as("the other instance knows the sign-in: a code, not the sign-in page")
            .startsWith(SmartAuth.REDIRECT)
            .contains("code=");

        JdbcTemplate jdbc = new JdbcTemplate(postgres.getPostgresDatabase());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM gt.signing_key", Integer.class))
            .isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM gt.demo_data_load", Integer.class))
            .isEqualTo(1);
        JsonNode groups =
            MAPPER.readTree(search(ports.get(0), tokens.get(0), "Group?_count=200").body());
        Set<String> identifiers = new HashSet<>();
        int total = 0;
        for (JsonNode entry : groups.path("entry")) {
          total++;
          identifiers.add(entry.path("resource").path("identifier").toString());
        }
        assertThat(total).as("the demo groups, loaded once").isPositive();
        assertThat(identifiers).hasSize(total);

        subscriptionWrittenOnOneInstanceIsMatchedByEvery(ports);
      } finally {
        servers.forEach(Process::destroyForcibly);
        for (Process server : servers) {
          server.waitFor();
        }
      }
    }
  }

  /**
   * An EHR subscribes through one instance; at once, a write on each instance is delivered to it,
   * once each: no instance waits for its periodic reload to learn of the Subscription.
   */
  private void subscriptionWrittenOnOneInstanceIsMatchedByEvery(List<Integer> ports)
      throws Exception {
    List<String> delivered = new CopyOnWriteArrayList<>();
    HttpServer ehr = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ehr.createContext(
        "/hook",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          delivered.add(exchange.getRequestURI().getPath());
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    ehr.start();
    try {
      String token =
          MAPPER
              .readTree(
                  new SmartAuth(ports.get(0))
                      .tokenResponse(
                          "cli",
                          "cli-secret",
                          Map.of(
                              "grant_type",
                              "client_credentials",
                              "scope",
                              "system/Subscription.cruds system/Patient.cruds"))
                      .body())
              .path("access_token")
              .asText();
      String family = "Hooked" + UUID.randomUUID().toString().substring(0, 8);
      HttpResponse<String> subscribed =
          post(
              ports.get(0),
              token,
              "Subscription",
              "{\"resourceType\":\"Subscription\",\"status\":\"requested\",\"reason\":\"EHR\","
                  + "\"criteria\":\"Patient?family="
                  + family
                  + "\",\"channel\":{\"type\":\"rest-hook\",\"endpoint\":\"http://127.0.0.1:"
                  + ehr.getAddress().getPort()
                  + "/hook\",\"payload\":\"application/fhir+json\"}}");
      assertThat(subscribed.statusCode()).as(subscribed.body()).isEqualTo(201);
      String subscription = MAPPER.readTree(subscribed.body()).path("id").asText();
      Waits.eventually()
          .until(
              () ->
                  "active"
                      .equals(
                          MAPPER
                              .readTree(
                                  search(ports.get(0), token, "Subscription/" + subscription)
                                      .body())
                              .path("status")
                              .asText()));
      List<String> patients = new ArrayList<>();
      for (int port : ports) {
        HttpResponse<String> created =
            post(
                port,
                token,
                "Patient",
                "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\""
                    + family
                    + "\",\"given\":[\"Port"
                    + port
                    + "\"]}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        patients.add("/hook/Patient/" + MAPPER.readTree(created.body()).path("id").asText());
      }
      Waits.eventually().until(() -> delivered.containsAll(patients));
      assertThat(delivered).as("each write delivered once").hasSize(patients.size());
    } finally {
      ehr.stop(0);
    }
  }

  private static HttpResponse<String> post(int port, String token, String type, String json) {
    return SmartAuth.send(
        HttpClient.newHttpClient(),
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/" + type))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/fhir+json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private Process start(int instance, int port, int postgresPort) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx1g",
            "-cp",
            System.getProperty("java.class.path"),
            GroupTherapyServerApplication.class.getName(),
            "--server.port=" + port,
            "--spring.datasource.url=jdbc:postgresql://localhost:" + postgresPort + "/postgres",
            "--spring.datasource.username=postgres",
            "--spring.datasource.hikari.maximum-pool-size=10",
            "--app.security.demo-identities=true",
            // Behind one balancer, every instance has the same public URL: the issuer and audience
            // of every token.
            "--app.security.public-url=http://gt.example.org")
        .redirectErrorStream(true)
        .redirectOutput(log(instance).toFile())
        .start();
  }

  private Path log(int instance) {
    return directory.resolve("server-" + instance + ".log");
  }

  private String awaitToken(int instance, Process server, int port) throws Exception {
    SmartAuth auth = new SmartAuth(port);
    Map<String, String> form =
        Map.of("grant_type", "client_credentials", "scope", "system/Group.rs");
    String[] token = new String[1];
    try {
      // Three servers starting on two cores: twice the usual patience.
      Waits.eventually()
          .atMost(Waits.PATIENCE.multipliedBy(2))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                if (!server.isAlive()) {
                  throw new AssertionError("Instance " + instance + " ended");
                }
                try {
                  HttpResponse<String> response = auth.tokenResponse("cli", "cli-secret", form);
                  if (response.statusCode() == 200) {
                    token[0] = MAPPER.readTree(response.body()).path("access_token").asText();
                    return true;
                  }
                  assertThat(response.statusCode())
                      .as("instance %d while starting: %s", instance, response.body())
                      .isEqualTo(503);
                  return false;
                } catch (UncheckedIOException notListeningYet) {
                  return false;
                }
              });
    } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
      String log = Files.readString(log(instance));
      throw new AssertionError(
          "Instance " + instance + " did not become ready: " + tail(log, 6000), e);
    }
    return token[0];
  }

  private static HttpResponse<String> search(int port, String token, String query) {
    return SmartAuth.send(
        HttpClient.newHttpClient(),
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/" + query))
            .header("Authorization", "Bearer " + token));
  }

  private static String tail(String text, int characters) {
    return text.length() <= characters ? text : text.substring(text.length() - characters);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
