package org.grouptherapy.fhir;

import org.grouptherapy.system.AppProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.server.WebServer;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Tells the person who started the server where to point a browser and a FHIR client. */
@Component
class StartupBanner {

  private static final Logger log = LoggerFactory.getLogger(StartupBanner.class);

  private final AppProperties properties;

  StartupBanner(AppProperties properties) {
    this.properties = properties;
  }

  /**
   * After every start-up task, the demo's clients included: Spring turns readiness on after all
   * ApplicationReadyEvent listeners, and {@link ReadinessGate} lets requests in from then on.
   */
  @EventListener
  void ready(AvailabilityChangeEvent<ReadinessState> event) {
    ReadinessGate.readyWebServer(event).ifPresent(this::banner);
  }

  private void banner(WebServer web) {
    String root = "http://localhost:" + web.getPort();
    String fhir = root + properties.fhir().path();
    log.info(
        """

        ==> Group Therapy FHIR Server is ready
            FHIR base URL (for FHIR clients): {}
            CapabilityStatement:              {}/metadata
            API docs (Swagger UI, browser):   {}/swagger-ui/
            Health:                           {}/actuator/health
            Demo practice:                    {}
        """,
        fhir,
        fhir,
        fhir,
        root,
        properties.demo().enabled() ? fhir + "/Group?_profile=" + THERAPY_GROUP : "off");
  }

  private static final String THERAPY_GROUP =
      ConformancePackage.CANONICAL_BASE + "/StructureDefinition/therapy-group";
}
