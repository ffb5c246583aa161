package org.grouptherapy.support;

import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * Chooses the test database by one switch, {@code app.test.database}: {@code embedded} (default, no
 * Docker needed) lets the server start its embedded PostgreSQL; {@code testcontainers} starts
 * PostgreSQL 17 in Docker and points the server at it as an external database.
 */
public class TestDatabaseInitializer
    implements ApplicationContextInitializer<ConfigurableApplicationContext> {

  private static PostgreSQLContainer<?> container;

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    String database = System.getProperty("app.test.database", "embedded");
    if (!"testcontainers".equals(database)) {
      return;
    }
    PostgreSQLContainer<?> postgres = startContainer();
    context
        .getEnvironment()
        .getPropertySources()
        .addFirst(
            new MapPropertySource(
                "testcontainers-postgres",
                Map.of(
                    "spring.datasource.url", postgres.getJdbcUrl(),
                    "spring.datasource.username", postgres.getUsername(),
                    "spring.datasource.password", postgres.getPassword())));
  }

  private static synchronized PostgreSQLContainer<?> startContainer() {
    if (container == null) {
      container = new PostgreSQLContainer<>("postgres:17");
      container.start();
    }
    return container;
  }
}
