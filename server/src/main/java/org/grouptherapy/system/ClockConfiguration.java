package org.grouptherapy.system;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClockConfiguration {

  /** One clock for every "now" in the server, so tests can reason about time. */
  @Bean
  Clock clock() {
    return Clock.systemDefaultZone();
  }
}
