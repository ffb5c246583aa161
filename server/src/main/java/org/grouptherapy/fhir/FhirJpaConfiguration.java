package org.grouptherapy.fhir;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.binstore.DatabaseBinaryContentStorageSvcImpl;
import ca.uhn.fhir.jpa.config.HibernatePropertiesProvider;
import ca.uhn.fhir.jpa.config.JpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import ca.uhn.fhir.jpa.model.entity.StorageSettings;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import jakarta.persistence.EntityManagerFactory;
import javax.sql.DataSource;
import org.grouptherapy.system.AppProperties;
import org.hibernate.dialect.Dialect;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * HAPI FHIR JPA (R4) storage on the application's PostgreSQL.
 *
 * <p>HAPI's {@code HapiJpaConfig} is not imported: it declares a full-text search service, whose
 * presence makes terminology ($expand) go through Hibernate Search, which this PostgreSQL-only
 * server does not run. The beans it declares besides are declared here.
 */
@Configuration(proxyBeanMethods = false)
@Import({
  JpaR4Config.class,
  JpaConfig.class,
  ThreadPoolFactoryConfig.class,
  SubscriptionChannelConfig.class,
  SubscriptionSubmitterConfig.class,
  SubscriptionProcessorConfig.class,
  JpaBatch2Config.class,
  Batch2JobsConfig.class
})
class FhirJpaConfiguration {

  /** How long a saved search may be reused, if nothing was written since (HAPI's default). */
  static final java.time.Duration REUSE_SEARCHES_FOR = java.time.Duration.ofMinutes(1);

  /**
   * HAPI's {@code schedulerService} replaced by {@link ClusterScheduler}: its clustered jobs run
   * once per interval across instances, not once per instance. HAPI's {@code searchCacheSvc} by
   * {@link FreshSearchCache}: a saved search is reused only while no write has committed since.
   */
  @Bean
  static org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor
      clusterSchedulerInsteadOfHapis() {
    return registry -> {
      insteadOfHapis(registry, "schedulerService", ClusterScheduler.class);
      insteadOfHapis(registry, "searchCacheSvc", FreshSearchCache.class);
    };
  }

  /** Registers {@code replacement} under the name of HAPI's bean, built by its constructor. */
  private static void insteadOfHapis(
      org.springframework.beans.factory.support.BeanDefinitionRegistry registry,
      String name,
      Class<?> replacement) {
    if (registry.containsBeanDefinition(name)) {
      registry.removeBeanDefinition(name);
    }
    org.springframework.beans.factory.support.RootBeanDefinition definition =
        new org.springframework.beans.factory.support.RootBeanDefinition(replacement);
    definition.setAutowireMode(
        org.springframework.beans.factory.support.AbstractBeanDefinition.AUTOWIRE_CONSTRUCTOR);
    registry.registerBeanDefinition(name, definition);
  }

  @Bean
  JpaStorageSettings storageSettings(AppProperties properties) {
    JpaStorageSettings settings = new JpaStorageSettings();
    settings.setAllowExternalReferences(false);
    settings.setEnforceReferentialIntegrityOnWrite(true);
    settings.setDeleteExpungeEnabled(false);
    settings.setExpungeEnabled(false);
    // Pre-expansion runs on Hibernate Search, which this server does not use (PostgreSQL only);
    // value sets are expanded in memory when needed.
    settings.setPreExpandValueSets(false);
    settings.setEnableTaskPreExpandValueSets(false);
    // Batch jobs (Bulk export) move to their next step as soon as one ends, instead of waiting
    // for the once-a-minute maintenance pass: an export of a practice takes seconds, not minutes.
    settings.setJobFastTrackingEnabled(true);
    // Conditional creates and updates from EHRs race; HAPI retries the loser of a duplicate
    // search-URL insert when asked to (see ConflictRetryInterceptor). No match-URL cache: it is
    // per instance and not cleared when the matched resource is re-identified or deleted, so it
    // answered 200 with a stale id while the database (and other instances) held no match.
    settings.setMatchUrlCacheEnabled(false);
    if (properties.fhir().tuned()) {
      tuneForPractiseWorkload(settings);
      // How many results a paged search loads per pass (HAPI's first pass loads barely more than
      // the first page, so the second page waits for a second pass and half a second's poll).
      settings.setSearchPreFetchThresholds(properties.fhir().searchPrefetchThresholds());
    }
    return settings;
  }

  /**
   * Settings measured in bench/ against HAPI's defaults (docs/benchmarks.md): resource bodies below
   * 4 kB live inline in HFJ_RES_VER instead of PostgreSQL large objects, tags inline, compact
   * indexes, and saved searches reused for a minute only while nothing was written since (a VA
   * expects to see the booking they just made: {@link FreshSearchCache}).
   */
  private static void tuneForPractiseWorkload(JpaStorageSettings settings) {
    settings.setInlineResourceTextBelowSize(4000);
    settings.setTagStorageMode(StorageSettings.TagStorageModeEnum.INLINE);
    settings.setIndexStorageOptimized(true);
    settings.setReuseCachedSearchResultsForMillis(REUSE_SEARCHES_FOR.toMillis());
    settings.setIndexMissingFields(StorageSettings.IndexEnabledEnum.DISABLED);
    settings.setAdvancedHSearchIndexing(false);
    // HAPI records every search parameter hash it meets in HFJ_SPIDX_IDENTITY, one background
    // transaction per hash; nothing in this server reads that table. On a first start it wrote
    // some thousand rows while the conformance install and the demo load ran, and took about a
    // tenth of the JVM's samples there (JFR, docs/benchmarks.md, start-up).
    settings.setWriteToSearchParamIdentityTable(false);
  }

  @Bean
  IStaleSearchDeletingSvc staleSearchDeletingSvc() {
    return new StaleSearchDeletingSvcImpl();
  }

  @Bean
  DatabaseBackedPagingProvider databaseBackedPagingProvider() {
    return new DatabaseBackedPagingProvider();
  }

  @Bean
  IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry daoRegistry) {
    return new DaoRegistryResourceSupportedSvc(daoRegistry);
  }

  @Bean(name = "myResourceCountsCache")
  ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
    return ResourceCountCacheUtil.newResourceCountCache(systemDao);
  }

  @Bean
  PartitionSettings partitionSettings() {
    return new PartitionSettings();
  }

  /**
   * REST-hook subscriptions, so an EHR hears of Appointment changes. Delivery goes through HAPI's
   * in-process channel: with several server instances, each delivers what it wrote.
   */
  @Bean
  SubscriptionSettings subscriptionSettings() {
    SubscriptionSettings settings = new SubscriptionSettings();
    settings.addSupportedSubscriptionType(
        org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType.RESTHOOK);
    return settings;
  }

  /**
   * HAPI's subscription delivery wants an email sender; only rest-hook subscriptions are supported
   * (mail to people goes through the notification outbox), so email ones are never activated.
   */
  @Bean
  IEmailSender subscriptionEmailSender() {
    return details -> {
      throw new UnsupportedOperationException(
          "Email subscriptions are not supported: use a rest-hook channel");
    };
  }

  @Bean
  DatabaseBinaryContentStorageSvcImpl binaryStorageSvc() {
    return new DatabaseBinaryContentStorageSvcImpl();
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
}
