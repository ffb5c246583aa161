package org.grouptherapy.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.match.matcher.subscriber.SubscriptionCriteriaParser;
import ca.uhn.fhir.jpa.subscription.match.registry.ActiveSubscription;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionLoader;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Every instance matches the writes it takes against every active Subscription, whichever instance
 * the Subscription was written on. HAPI keeps the active subscriptions in memory and reloads them
 * from the database about once a minute, so an instance would miss, for up to that minute, the
 * writes matching a Subscription another instance had just created (and keep delivering for one
 * just deleted). Each write of a Subscription moves {@code gt.subscription_generation} on in its
 * own transaction; before matching a write, an instance compares that with the generation it has
 * loaded and reloads first when they differ: one primary-key read per write checked. A write is
 * matched once, by the instance that took it, so each delivery happens once.
 */
@Component
@Interceptor
class SubscriptionsInStep implements FhirStorageInterceptor {

  private final JdbcTemplate jdbc;
  private final ObjectProvider<SubscriptionLoader> loader;
  private final ObjectProvider<SubscriptionRegistry> registry;
  private final FhirContext fhir;
  private final Counter skipped;
  private volatile long loaded = -1;

  SubscriptionsInStep(
      JdbcTemplate jdbc,
      ObjectProvider<SubscriptionLoader> loader,
      ObjectProvider<SubscriptionRegistry> registry,
      FhirContext fhir,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.loader = loader;
    this.registry = registry;
    this.fhir = fhir;
    this.skipped =
        Counter.builder("gt.subscription.writes.skipped")
            .description("Writes no active Subscription could match, not queued for matching")
            .register(meters);
  }

  /**
   * A write that no active Subscription can match is not queued for matching at all: HAPI would
   * store a row for it (HFJ_RESOURCE_MODIFIED) in the write's transaction, then after the commit
   * read the resource again, match it against every subscription and delete the row. Only writes of
   * a type some active Subscription names go on, and Subscriptions themselves (their activation
   * runs through the same pipeline). The subscriptions in memory are brought in step first: another
   * instance may have just added one.
   */
  @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED)
  public boolean worthMatching(ResourceModifiedMessage message) {
    String type = message.getResourceType(fhir);
    SubscriptionRegistry active = registry.getIfAvailable();
    if (type == null || "Subscription".equals(type) || active == null) {
      return true;
    }
    beforeMatching();
    for (ActiveSubscription subscription : active.getAll()) {
      SubscriptionCriteriaParser.SubscriptionCriteria criteria = subscription.getCriteria();
      if (criteria == null
          || criteria.getType() == SubscriptionCriteriaParser.TypeEnum.STARTYPE_EXPRESSION
          || criteria.getApplicableResourceTypes() == null
          || criteria.getApplicableResourceTypes().contains(type)) {
        return true;
      }
    }
    skipped.increment();
    return false;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    moveOnIfSubscription(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    moveOnIfSubscription(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    moveOnIfSubscription(resource);
  }

  /** Before a write is matched: the subscriptions in memory are those in the database. */
  @Hook(Pointcut.SUBSCRIPTION_BEFORE_PERSISTED_RESOURCE_CHECKED)
  public void beforeMatching() {
    Long generation =
        jdbc.queryForObject(
            "SELECT generation FROM gt.subscription_generation WHERE id = 1", Long.class);
    if (generation != null && generation != loaded) {
      SubscriptionLoader subscriptions = loader.getIfAvailable();
      if (subscriptions != null) {
        subscriptions.forceRefresh();
        loaded = generation;
      }
    }
  }

  private void moveOnIfSubscription(IBaseResource resource) {
    if (resource != null && "Subscription".equals(resource.fhirType())) {
      jdbc.update("UPDATE gt.subscription_generation SET generation = generation + 1 WHERE id = 1");
    }
  }
}
