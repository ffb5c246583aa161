package org.grouptherapy.fhir;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.stereotype.Component;

/** The version the build stamped into the jar, as the CapabilityStatement reports it. */
@Component
class ServerVersion {

  private final String version;

  ServerVersion(ObjectProvider<BuildProperties> buildProperties) {
    BuildProperties build = buildProperties.getIfAvailable();
    this.version = build != null ? build.getVersion() : "development";
  }

  String version() {
    return version;
  }
}
