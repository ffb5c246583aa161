package org.grouptherapy.system;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** What an operator relies on: probes, metrics, and a schema that only migrations touch. */
@IntegrationTest
class OperationsIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired Flyway flyway;
  @Autowired FlywayMigrationStrategy migrations;
  @Autowired JdbcTemplate jdbc;
  @Autowired ApplicationContext context;

  @Test
  void reportsLivenessReadinessInfoAndPrometheusMetrics() {
    FhirHttp http = new FhirHttp(port, fhirContext);
    Map<String, String> json = Map.of("Accept", "application/json");
    assertThat(http.get("/actuator/health/liveness", json).body()).contains("\"UP\"");
    assertThat(http.get("/actuator/health/readiness", json).body()).contains("\"UP\"");
    assertThat(http.get("/actuator/health", json).body()).contains("\"UP\"");
    assertThat(http.get("/actuator/info", json).body()).contains("\"version\"");
    FhirHttp.Response metrics = http.get("/actuator/prometheus", Map.of("Accept", "text/plain"));
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("http_server_requests_seconds")
        .contains("hikaricp_connections");
  }

  @Test
  void timesEachFhirRequestOnceUnderTheRouteHapiServedIt() {
    FhirHttp http = new FhirHttp(port, fhirContext);
    String id = http.create("Patient", Fixtures.patient("Metrics"));
    FhirHttp.Response read = http.get(id);
    assertThat(read.status()).isEqualTo(200);
    // HAPI's request id, echoed back: 16 letters and digits.
    assertThat(read.header("X-Request-ID"))
        .hasValueSatisfying(v -> assertThat(v).matches("[A-Za-z0-9]{16}"));
    assertThat(http.withToken(null).get(id).status()).isEqualTo(401);

    String metrics = http.get("/actuator/prometheus", Map.of("Accept", "text/plain")).body();
    assertThat(metrics)
        .containsPattern(
            "http_server_requests_seconds_count\\{[^}]*method=\"GET\",[^}]*status=\"200\","
                + "uri=\"/fhir/Patient/\\{id\\}\"\\} [1-9]")
        .containsPattern(
            "http_server_requests_seconds_count\\{[^}]*method=\"POST\",[^}]*status=\"201\","
                + "uri=\"/fhir/Patient\"\\} [1-9]")
        // refused before HAPI saw it: no route
        .containsPattern(
            "http_server_requests_seconds_count\\{[^}]*status=\"401\",uri=\"UNKNOWN\"\\}")
        // not also counted a second time by Spring's observation, which only knows UNKNOWN
        .doesNotContainPattern(
            "http_server_requests_seconds_count\\{[^}]*method=\"POST\",[^}]*status=\"201\","
                + "uri=\"UNKNOWN\"\\}")
        // no timer around each of HAPI's repository calls
        .doesNotContain("spring_data_repository_invocations");
  }

  @Test
  void matchesSecurityByPathPatternsWithoutAskingSpringMvcFirst() {
    Object chain = context.getBean("springSecurityFilterChain");
    assertThat(chain.getClass().getName()).doesNotContain("WebMvcSecurityConfiguration");
    FhirHttp http = new FhirHttp(port, fhirContext).withToken(null);
    assertThat(http.get("/actuator/health", Map.of("Accept", "application/json")).status())
        .isEqualTo(200);
    assertThat(http.get("/login", Map.of("Accept", "text/html")).status()).isEqualTo(200);
    assertThat(http.get("/fhir/metadata").status()).isEqualTo(200);
    assertThat(http.get("/fhir/Patient").status()).isEqualTo(401);
  }

  @Test
  void keepsHapiAndProjectTablesInTheirOwnSchemasUnderMigrationControl() {
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                    + " AND table_name = 'hfj_resource'",
                Integer.class))
        .isEqualTo(1);
    assertThat(
            jdbc.queryForList(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gt'",
                String.class))
        .contains("demo_data_load", "installed_conformance_resource", "flyway_schema_history");
    assertThat(flyway.info().pending()).isEmpty();
  }

  @Test
  void migratingAgainChangesNothing() {
    int hapiMigrations = count("SELECT count(*) FROM \"FLY_HFJ_MIGRATION\"");
    int projectMigrations = count("SELECT count(*) FROM gt.flyway_schema_history");

    migrations.migrate(flyway);

    assertThat(count("SELECT count(*) FROM \"FLY_HFJ_MIGRATION\"")).isEqualTo(hapiMigrations);
    assertThat(count("SELECT count(*) FROM gt.flyway_schema_history")).isEqualTo(projectMigrations);
  }

  @Test
  void reinstallingTheFhirPackageWritesNoNewVersions() throws Exception {
    int versions = count("SELECT count(*) FROM hfj_res_ver WHERE res_type = 'StructureDefinition'");
    context
        .getBean("conformanceResourceInstaller", org.springframework.boot.ApplicationRunner.class)
        .run(new DefaultApplicationArguments());
    assertThat(count("SELECT count(*) FROM hfj_res_ver WHERE res_type = 'StructureDefinition'"))
        .isEqualTo(versions);
  }

  private int count(String sql) {
    return jdbc.queryForObject(sql, Integer.class);
  }
}
