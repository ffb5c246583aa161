package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** An EHR that sends the same resource ten times at once gets one resource, not ten. */
@IntegrationTest
class ConcurrentConditionalCreateIT {

  static final int PARALLEL = 10;
  static final int ROUNDS = 5;

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  ExecutorService pool;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    pool = Executors.newFixedThreadPool(PARALLEL);
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void tenParallelIdenticalConditionalCreatesYieldExactlyOneResource() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Patient patient = Fixtures.patient("Concurrent");
      String identifier = Fixtures.TEST_SYSTEM + "|" + patient.getIdentifierFirstRep().getValue();
      String body = fhir.encode(patient);

      List<FhirHttp.Response> responses =
          inParallel(
              () ->
                  fhir.post(
                      "Patient",
                      body,
                      FhirHttp.FHIR_JSON,
                      Map.of("If-None-Exist", "identifier=" + identifier)));

      assertThat(responses).extracting(FhirHttp.Response::status).containsOnly(200, 201);
      assertThat(responses).filteredOn(r -> r.status() == 201).hasSize(1);
      assertThat(responses)
          .extracting(r -> r.resource(Patient.class).getIdElement().getIdPart())
          .containsOnly(responses.get(0).resource(Patient.class).getIdElement().getIdPart());
      Bundle found =
          fhir.get("Patient?identifier=" + URLEncoder.encode(identifier, StandardCharsets.UTF_8))
              .resource(Bundle.class);
      assertThat(found.getEntry()).hasSize(1);
    }
  }

  @Test
  void tenParallelIdenticalTransactionsWithConditionalEntriesYieldOneResource() throws Exception {
    Patient patient = Fixtures.patient("ConcurrentTransaction");
    String identifier = Fixtures.TEST_SYSTEM + "|" + patient.getIdentifierFirstRep().getValue();
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction
        .addEntry()
        .setResource(patient)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl("Patient")
        .setIfNoneExist("identifier=" + identifier);
    String body = fhir.encode(transaction);

    List<FhirHttp.Response> responses = inParallel(() -> fhir.post("", body));

    assertThat(responses).extracting(FhirHttp.Response::status).containsOnly(200);
    Bundle found =
        fhir.get("Patient?identifier=" + URLEncoder.encode(identifier, StandardCharsets.UTF_8))
            .resource(Bundle.class);
    assertThat(found.getEntry()).hasSize(1);
  }

  private List<FhirHttp.Response> inParallel(Callable<FhirHttp.Response> request) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<FhirHttp.Response>> futures = new ArrayList<>();
    for (int i = 0; i < PARALLEL; i++) {
      futures.add(
          pool.submit(
              () -> {
                start.await();
                return request.call();
              }));
    }
    start.countDown();
    List<FhirHttp.Response> responses = new ArrayList<>();
    for (Future<FhirHttp.Response> future : futures) {
      responses.add(future.get());
    }
    return responses;
  }
}
