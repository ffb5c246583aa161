package org.grouptherapy.system;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.grouptherapy.GroupTherapyServerApplication;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The whole server, stopped and started again on the same embedded data directory, still has what
 * was written, and the second start changes no schema.
 */
class ServerLifecycleIT {

  @TempDir Path dataDirectory;

  @Test
  void keepsDataAndSchemaAcrossARestart() {
    String id;
    String family = "Restart-" + Fixtures.uniqueId();
    int migrationsAfterFirstStart;
    try (ConfigurableApplicationContext first = start()) {
      FhirHttp fhir = http(first);
      id = fhir.create("Patient", Fixtures.patient(family));
      migrationsAfterFirstStart = migrations(first);
    }

    try (ConfigurableApplicationContext second = start()) {
      Patient patient = http(second).get(id).resource(Patient.class);
      assertThat(patient.getNameFirstRep().getFamily()).isEqualTo(family);
      assertThat(migrations(second)).isEqualTo(migrationsAfterFirstStart);
    }
  }

  @Test
  void usesAnExternalPostgresqlWhenADatasourceUrlIsSetAndStartsNoEmbeddedOne() throws Exception {
    Path externalData = dataDirectory.resolve("external");
    try (EmbeddedPostgres external =
            EmbeddedPostgresLauncher.start(new AppProperties.Embedded(externalData, 0));
        ConfigurableApplicationContext server =
            start(
                "spring.datasource.url=" + external.getJdbcUrl("postgres", "postgres"),
                "spring.datasource.username=postgres",
                "app.database.embedded.data-directory=" + dataDirectory.resolve("never-used"))) {
      assertThat(server.getBeanNamesForType(EmbeddedPostgres.class)).isEmpty();
      assertThat(dataDirectory.resolve("never-used")).doesNotExist();
      String id = http(server).create("Patient", Fixtures.patient("External"));
      Integer stored =
          new JdbcTemplate(external.getPostgresDatabase())
              .queryForObject(
                  "SELECT count(*) FROM hfj_resource WHERE res_type = 'Patient' AND fhir_id = ?",
                  Integer.class,
                  id.substring(id.indexOf('/') + 1));
      assertThat(stored).isEqualTo(1);
    }
  }

  /**
   * While a start-up task runs (migrations, conformance, demo, clients: here one held open), the
   * port is open but nothing is served: FHIR and the token endpoint answer 503 with Retry-After and
   * an OperationOutcome, the readiness probe says so; once it is done, both work.
   */
  @Test
  void answers503WithRetryAfterUntilEveryStartUpTaskIsDone() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    CompletableFuture<Integer> port = new CompletableFuture<>();
    CompletableFuture<ConfigurableApplicationContext> started =
        CompletableFuture.supplyAsync(
            () ->
                new SpringApplicationBuilder(GroupTherapyServerApplication.class)
                    .initializers(
                        context ->
                            context
                                .getBeanFactory()
                                .registerSingleton(
                                    "heldStartUpTask", (ApplicationRunner) args -> hold.await()))
                    .listeners(
                        event -> {
                          if (event instanceof WebServerInitializedEvent web) {
                            port.complete(web.getWebServer().getPort());
                          }
                        })
                    .run(
                        "--server.port=0",
                        "--app.demo.enabled=false",
                        "--app.security.demo-identities=true",
                        "--app.database.embedded.data-directory=" + dataDirectory));
    try {
      SmartAuth auth = new SmartAuth(port.get(Waits.PATIENCE.toSeconds(), TimeUnit.SECONDS));
      Map<String, String> form =
          Map.of("grant_type", "client_credentials", "scope", "system/Patient.rs");
      HttpResponse<String> metadata = get(auth, "/fhir/metadata");
      assertThat(metadata.statusCode()).isEqualTo(503);
      assertThat(metadata.headers().firstValue("Retry-After")).contains("5");
      assertThat(metadata.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("application/fhir+json");
      assertThat(metadata.body()).contains("\"OperationOutcome\"").contains("not ready");
      HttpResponse<String> token = auth.tokenResponse("cli", "cli-secret", form);
      assertThat(token.statusCode()).isEqualTo(503);
      assertThat(token.headers().firstValue("Retry-After")).isPresent();
      assertThat(get(auth, "/actuator/health/readiness").statusCode()).isEqualTo(503);

      hold.countDown();
      try (ConfigurableApplicationContext server =
          started.get(Waits.PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
        assertThat(get(auth, "/actuator/health/readiness").statusCode()).isEqualTo(200);
        assertThat(auth.tokenResponse("cli", "cli-secret", form).statusCode()).isEqualTo(200);
        assertThat(get(auth, "/fhir/metadata").statusCode()).isEqualTo(200);
      }
    } finally {
      hold.countDown();
    }
  }

  private static HttpResponse<String> get(SmartAuth auth, String path) {
    return SmartAuth.send(
        HttpClient.newHttpClient(), HttpRequest.newBuilder(URI.create(auth.absolute(path))));
  }

  /** Command-line arguments, which outrank application.yaml as they do for a real start. */
  private ConfigurableApplicationContext start(String... extraProperties) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "--server.port=0",
                "--app.demo.enabled=false",
                // These servers test storage; security is tested on the shared server.
                "--app.security.enabled=false",
                "--app.database.embedded.data-directory=" + dataDirectory,
                "--management.endpoints.web.exposure.include=health"));
    for (String property : extraProperties) {
      args.add("--" + property);
    }
    return new SpringApplicationBuilder(GroupTherapyServerApplication.class)
        .run(args.toArray(String[]::new));
  }

  private static FhirHttp http(ConfigurableApplicationContext context) {
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    return new FhirHttp(port, context.getBean(FhirContext.class), null);
  }

  private static int migrations(ConfigurableApplicationContext context) {
    JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
    return jdbc.queryForObject(
        "SELECT (SELECT count(*) FROM \"FLY_HFJ_MIGRATION\") + (SELECT count(*) FROM gt.flyway_schema_history)",
        Integer.class);
  }
}
