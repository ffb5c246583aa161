package org.grouptherapy.system;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import org.grouptherapy.GroupTherapyServerApplication;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
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
