package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.grouptherapy.support.Fixtures.patient;

import ca.uhn.fhir.context.FhirContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import javax.sql.DataSource;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A paged search is answered from the results saved for the same query a moment ago only while
 * nothing has been written since: after any write, by this server, another instance or a tool on
 * the database, and after a write that was in progress while the saved search ran, the search runs
 * again and shows the write.
 */
@IntegrationTest
class SearchReuseIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired JdbcTemplate jdbc;
  @Autowired DataSource dataSource;
  @Autowired SearchFreshness freshness;
  FhirHttp fhir;
  String family;
  List<String> patients;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    family = "Reuse" + Fixtures.uniqueId().replaceAll("[^A-Za-z0-9]", "");
    patients =
        List.of(fhir.create("Patient", patient(family)), fhir.create("Patient", patient(family)));
  }

  @Test
  void aRepeatedSearchIsAnsweredFromTheSavedOneWhileNothingWasWritten() {
    Page again = searchedTwiceWithNothingWrittenBetween();

    assertThat(again.total()).isEqualTo(2);
  }

  @Test
  void aWriteThroughTheApiMakesTheNextSearchRunAgain() {
    Page before = searchedTwiceWithNothingWrittenBetween();
    fhir.create("Patient", patient(family));

    Page after = search();

    assertThat(after.savedAs()).isNotEqualTo(before.savedAs());
    assertThat(after.total()).isEqualTo(3);
    // The search saved before the write is still among the candidates of the minute; the one
    // saved after it is the one reused.
    Page reused = searchedTwiceWithNothingWrittenBetween();
    assertThat(reused.savedAs()).isNotEqualTo(before.savedAs());
    assertThat(reused.total()).isEqualTo(3);
  }

  @Test
  void aWriteMadeOutsideThisServerMakesTheNextSearchRunAgain() {
    Page before = searchedTwiceWithNothingWrittenBetween();
    // Another instance, or a tool working on the database: a statement on HAPI's resource table.
    jdbc.update(
        "UPDATE hfj_resource SET res_updated = res_updated WHERE res_type = 'Patient' AND fhir_id = ?",
        idPart(patients.get(0)));

    assertThat(search().savedAs()).isNotEqualTo(before.savedAs());
  }

  @Test
  void aWriteInProgressWhileTheSearchRanMakesItStaleOnceCommitted() throws Exception {
    Page during;
    try (Connection writer = dataSource.getConnection()) {
      writer.setAutoCommit(false);
      try (PreparedStatement update =
          writer.prepareStatement(
              "UPDATE hfj_resource SET res_updated = res_updated"
                  + " WHERE res_type = 'Patient' AND fhir_id = ?")) {
        update.setString(1, idPart(patients.get(1)));
        update.executeUpdate();
      }
      // Nothing committed yet: the saved search is still what the database answers.
      during = searchedTwiceWithNothingWrittenBetween();
      writer.commit();
    }

    assertThat(search().savedAs()).isNotEqualTo(during.savedAs());
  }

  @Test
  void aClientAskingForNoCacheGetsANewSearch() {
    Page first = search();
    Bundle fresh =
        fhir.get(query(), java.util.Map.of("Cache-Control", "no-cache")).resource(Bundle.class);

    assertThat(savedAs(fresh)).isNotEqualTo(first.savedAs());
  }

  @Test
  void notesOfWritesAreKeptTenMinutes() {
    Long old =
        jdbc.queryForObject(
            "INSERT INTO gt.resource_write (xid, at) VALUES ('1', now() - interval '11 minutes')"
                + " ON CONFLICT (xid) DO UPDATE SET at = excluded.at RETURNING 1",
            Long.class);
    assertThat(old).isEqualTo(1);
    fhir.create("Patient", patient(family));

    freshness.cleanUp();

    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM gt.resource_write WHERE xid = '1'", Long.class))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM gt.resource_write WHERE at > now() - interval '1 minute'",
                Long.class))
        .isPositive();
  }

  private record Page(String savedAs, int total) {}

  /**
   * The same search twice, the second answered from the first's saved results. Other tests' work
   * running in the background (reminders, seat offers, batch jobs) writes now and then, and a write
   * between the two rightly makes the second run again (right after the start, the conformance
   * install and the demo write for some seconds); so it is tried until it holds.
   */
  private Page searchedTwiceWithNothingWrittenBetween() {
    Page again = null;
    long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < giveUp) {
      Page first = search();
      again = search();
      if (again.savedAs().equals(first.savedAs())) {
        return again;
      }
    }
    throw new AssertionError("a repeated search never reused the saved one: " + again);
  }

  private String query() {
    return "Patient?family=" + family + "&_count=1";
  }

  private Page search() {
    FhirHttp.Response response = fhir.get(query());
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    Bundle bundle = response.resource(Bundle.class);
    return new Page(savedAs(bundle), bundle.getTotal());
  }

  /** The saved search a page comes from: the {@code _getpages} of its next link. */
  private static String savedAs(Bundle bundle) {
    assertThat(bundle.getLink("next")).as("a next link").isNotNull();
    String next = bundle.getLink("next").getUrl();
    String value = next.substring(next.indexOf("_getpages=") + "_getpages=".length());
    return value.contains("&") ? value.substring(0, value.indexOf('&')) : value;
  }

  private static String idPart(String reference) {
    return new Patient().setId(reference).getIdElement().getIdPart();
  }
}
