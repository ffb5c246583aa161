package org.grouptherapy.fhir;

import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import org.grouptherapy.system.AppProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Runs HAPI's batch job maintenance pass every {@code app.fhir.batch-maintenance-interval} (HAPI's
 * default is once a minute). Each step of a Bulk export waits for a pass, so the default makes a
 * small export take minutes. The pass is a clustered job: one instance runs it at a time.
 */
@Component
class BatchMaintenanceInterval implements BeanPostProcessor {

  private final ObjectProvider<AppProperties> properties;

  BatchMaintenanceInterval(ObjectProvider<AppProperties> properties) {
    this.properties = properties;
  }

  @Override
  public Object postProcessBeforeInitialization(Object bean, String beanName) {
    if (bean instanceof JobMaintenanceServiceImpl maintenance) {
      maintenance.setScheduledJobFrequencyMillis(
          properties.getObject().fhir().batchMaintenanceInterval().toMillis());
    }
    return bean;
  }
}
