package org.grouptherapy.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;

/**
 * The one Spring context every integration test shares: the real server on a random port, on a real
 * PostgreSQL (embedded by default, Testcontainers with {@code -Dapp.test.database=testcontainers}).
 * Do not add per-class properties or mocks: each would fork a second context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@AutoConfigureObservability // keeps /actuator/prometheus, which Boot's tests switch off by default
@ContextConfiguration(
    initializers = {TestDatabaseInitializer.class, TestMailServer.class, TestSmsProvider.class})
public @interface IntegrationTest {}
