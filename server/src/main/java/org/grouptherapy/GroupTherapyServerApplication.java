package org.grouptherapy;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Group Therapy FHIR Server: HAPI FHIR JPA (R4) at {@code /fhir} with the practice's profiles,
 * invariants and operations on top.
 */
@SpringBootApplication(
    exclude = {
      // HAPI drags these onto the classpath; neither is used, and both fail to start.
      ElasticsearchRestClientAutoConfiguration.class,
      QuartzAutoConfiguration.class,
      // HAPI declares its own Spring Data repositories.
      JpaRepositoriesAutoConfiguration.class
    })
@ConfigurationPropertiesScan
public class GroupTherapyServerApplication {

  public static void main(String[] args) {
    SpringApplication.run(GroupTherapyServerApplication.class, args);
  }
}
