package org.grouptherapy.fhir;

import ca.uhn.fhir.context.FhirContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ConformanceConfiguration {

  @Bean
  ConformancePackage conformancePackage(FhirContext fhirContext) {
    return ConformancePackage.load(fhirContext);
  }
}
