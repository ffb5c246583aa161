package org.grouptherapy.system;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.server.ConfigurableServletWebServerFactory;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * Lets Spring cache "which beans have this type" while the web server is being created, which is
 * where most of start-up happens: the FHIR servlet's registration pulls in HAPI's resource
 * providers and their ~150 DAOs, each with dozens of fields autowired by type. Spring caches those
 * lookups only once the bean definitions are frozen, which it does after the web server is up;
 * until then each lookup walks all ~2,000 bean definitions (a JFR profile of a restart put three
 * quarters of the DAOs' creation, several seconds, in {@code doGetBeanNamesForType}).
 *
 * <p>By the time the web server factory is customised every bean factory post-processor has run, so
 * no definition changes after this point; one registered later anyway clears the cache (Spring does
 * that on every registration). Freezing is what {@code finishBeanFactoryInitialization} does next,
 * only sooner.
 */
@Component
class EarlyBeanTypeCache
    implements WebServerFactoryCustomizer<ConfigurableServletWebServerFactory>,
        BeanFactoryAware,
        Ordered {

  private ConfigurableListableBeanFactory beans;

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beans = (ConfigurableListableBeanFactory) beanFactory;
  }

  @Override
  public void customize(ConfigurableServletWebServerFactory factory) {
    beans.freezeConfiguration();
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
