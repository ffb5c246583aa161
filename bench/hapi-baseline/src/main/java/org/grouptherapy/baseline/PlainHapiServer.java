package org.grouptherapy.baseline;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.HibernatePropertiesProvider;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.util.VersionEnum;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.persistence.EntityManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import javax.sql.DataSource;
import org.hibernate.dialect.Dialect;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * A plain HAPI FHIR JPA server, as HAPI documents setting one up: HAPI's JPA configuration ({@link
 * HapiJpaConfig}, {@link JpaR4Config}), HAPI's default {@link JpaStorageSettings}, a {@link
 * RestfulServer} with the JPA resource and system providers, the database-backed paging provider
 * and the JPA CapabilityStatement, HAPI's schema migrator, and an embedded PostgreSQL started with
 * the same settings as the project's. Nothing of the project: no security, no interceptors, no
 * profiles. The benchmarks' independent baseline.
 */
@SpringBootApplication
@Import({
  HapiJpaConfig.class,
  JpaR4Config.class,
  ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig.class,
  ca.uhn.fhir.jpa.batch2.JpaBatch2Config.class,
  ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig.class,
  ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig.class
})
public class PlainHapiServer {

  public static void main(String[] args) {
    SpringApplication.run(PlainHapiServer.class, args);
  }

  /** The same embedded PostgreSQL build and settings as the server's (durable commits). */
  @Bean(destroyMethod = "close")
  EmbeddedPostgres postgres(@Value("${baseline.data-directory}") Path dataDirectory)
      throws IOException {
    Files.createDirectories(dataDirectory);
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("max_connections", "200")
        .setServerConfig("shared_buffers", "256MB")
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "on")
        .setRegisterShutdownHook(false)
        .start();
  }

  /** Spring Boot's default pool on it, with HAPI's schema migrated first. */
  @Bean
  @Primary
  DataSource dataSource(EmbeddedPostgres postgres) {
    HikariDataSource dataSource = new HikariDataSource();
    dataSource.setJdbcUrl("jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres");
    dataSource.setUsername("postgres");
    HapiMigrator migrator =
        new HapiMigrator("FLY_HFJ_MIGRATION", dataSource, DriverTypeEnum.POSTGRES_9_4);
    migrator.addTasks(new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()));
    migrator.createMigrationTableIfRequired();
    MigrationResult result = migrator.migrate();
    if (!result.failedTasks.isEmpty()) {
      throw new IllegalStateException("HAPI schema migration failed: " + result.summary());
    }
    return dataSource;
  }

  /** HAPI's defaults, untouched. */
  @Bean
  JpaStorageSettings storageSettings() {
    return new JpaStorageSettings();
  }

  /** No partitioning, HAPI's default. */
  @Bean
  ca.uhn.fhir.jpa.model.config.PartitionSettings partitionSettings() {
    return new ca.uhn.fhir.jpa.model.config.PartitionSettings();
  }

  @Bean
  @Primary
  LocalContainerEntityManagerFactoryBean entityManagerFactory(
      ConfigurableListableBeanFactory beanFactory,
      FhirContext fhirContext,
      JpaStorageSettings storageSettings,
      JpaProperties jpaProperties,
      DataSource dataSource) {
    LocalContainerEntityManagerFactoryBean factory =
        HapiEntityManagerFactoryUtil.newEntityManagerFactory(
            beanFactory, fhirContext, storageSettings);
    factory.setPersistenceUnitName("HAPI_PU");
    factory.setDataSource(dataSource);
    factory.setJpaPropertyMap(jpaProperties.getProperties());
    return factory;
  }

  @Bean
  @Primary
  JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
    return new JpaTransactionManager(entityManagerFactory);
  }

  @Bean
  @Primary
  HibernatePropertiesProvider hibernatePropertiesProvider() {
    Dialect dialect = new HapiFhirPostgresDialect();
    return new HibernatePropertiesProvider() {
      @Override
      public Dialect getDialect() {
        return dialect;
      }
    };
  }

  @Bean
  ServletRegistrationBean<RestfulServer> fhirServlet(
      IFhirSystemDao<?, ?> systemDao,
      ca.uhn.fhir.jpa.api.dao.DaoRegistry daoRegistry,
      ca.uhn.fhir.rest.server.provider.ResourceProviderFactory resourceProviders,
      ca.uhn.fhir.jpa.provider.JpaSystemProvider<?, ?> systemProvider,
      DatabaseBackedPagingProvider pagingProvider,
      ca.uhn.fhir.context.support.IValidationSupport validationSupport,
      JpaStorageSettings storageSettings,
      ca.uhn.fhir.rest.server.util.ISearchParamRegistry searchParams) {
    RestfulServer server = new RestfulServer(systemDao.getContext());
    server.registerProviders(resourceProviders.createProviders());
    server.registerProvider(systemProvider);
    server.setPagingProvider(pagingProvider);
    server.setServerConformanceProvider(
        new JpaCapabilityStatementProvider(
            server, systemDao, storageSettings, searchParams, validationSupport));
    ServletRegistrationBean<RestfulServer> registration =
        new ServletRegistrationBean<>(server, "/fhir/*");
    registration.setLoadOnStartup(1);
    return registration;
  }
}
