package org.grouptherapy.system;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Builds the schema before Hibernate starts: HAPI's tables by HAPI's own migrator (the same tasks
 * as {@code hapi-fhir-cli migrate-database}), then the project's tables by Flyway from the {@code
 * migrations} module, in schema {@code gt}. Hibernate only validates (see application.yaml).
 */
@Configuration(proxyBeanMethods = false)
class SchemaMigrationConfiguration {

  static final String HAPI_MIGRATION_TABLE = "FLY_HFJ_MIGRATION";
  private static final Logger log = LoggerFactory.getLogger(SchemaMigrationConfiguration.class);

  /**
   * Under a start-up lock: instances starting together on an empty database each created HAPI's
   * migration table ("relation FLY_HFJ_MIGRATION already exists").
   */
  @Bean
  FlywayMigrationStrategy hapiThenProjectMigrations() {
    return flyway -> {
      try {
        StartupLock.call(
            flyway.getConfiguration().getDataSource(),
            "schema-migrations",
            () -> {
              migrate(flyway);
              return null;
            });
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("Schema migration failed", e);
      }
    };
  }

  /**
   * HAPI fills its resource type table when its cache starts, later in the start-up and under no
   * lock: instances starting together each inserted every type (duplicate key "idx_res_type_name").
   * Filled here instead, under the migration lock, exactly as HAPI would (its types in its order,
   * ids from its sequence, which allocates one at a time); HAPI then finds it filled and only reads
   * it.
   */
  private static void resourceTypes(javax.sql.DataSource dataSource) {
    org.springframework.jdbc.core.JdbcTemplate jdbc =
        new org.springframework.jdbc.core.JdbcTemplate(dataSource);
    Integer present = jdbc.queryForObject("SELECT count(*) FROM hfj_resource_type", Integer.class);
    if (present != null && present > 0) {
      return;
    }
    java.util.List<String> types =
        ca.uhn.fhir.jpa.config.util.ResourceTypeUtil.generateResourceTypes();
    for (String type : types) {
      jdbc.update(
          "INSERT INTO hfj_resource_type (res_type_id, res_type)"
              + " VALUES (nextval('seq_resource_type'), ?)",
          type);
    }
    log.info("HAPI resource types: {} written", types.size());
  }

  private static void migrate(org.flywaydb.core.Flyway flyway) {
    {
      HapiMigrator hapiMigrator =
          new HapiMigrator(
              HAPI_MIGRATION_TABLE,
              flyway.getConfiguration().getDataSource(),
              DriverTypeEnum.POSTGRES_9_4);
      hapiMigrator.addTasks(
          new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()));
      hapiMigrator.createMigrationTableIfRequired();
      MigrationResult hapiResult = hapiMigrator.migrate();
      log.info(
          "HAPI schema: {} migration tasks applied, {} failed",
          hapiResult.succeededTasks.size(),
          hapiResult.failedTasks.size());
      if (!hapiResult.failedTasks.isEmpty()) {
        throw new IllegalStateException("HAPI schema migration failed: " + hapiResult.summary());
      }
      resourceTypes(flyway.getConfiguration().getDataSource());
      var projectResult = flyway.migrate();
      log.info(
          "Project schema {}: {} migrations applied",
          flyway.getConfiguration().getSchemas()[0],
          projectResult.migrationsExecuted);
    }
  }
}
