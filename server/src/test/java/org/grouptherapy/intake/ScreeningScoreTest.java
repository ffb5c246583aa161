package org.grouptherapy.intake;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.InputStream;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Screening scores: the published severity bands, and the PHQ-9 item 9 review flag. */
class ScreeningScoreTest {

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  @ParameterizedTest(name = "{0} total {1} is {2}")
  @CsvSource({
    // PHQ-9 (Kroenke 2001): 0-4, 5-9, 10-14, 15-19, 20-27
    "phq-9, 0, minimal",
    "phq-9, 4, minimal",
    "phq-9, 5, mild",
    "phq-9, 9, mild",
    "phq-9, 10, moderate",
    "phq-9, 14, moderate",
    "phq-9, 15, moderately-severe",
    "phq-9, 19, moderately-severe",
    "phq-9, 20, severe",
    "phq-9, 27, severe",
    // GAD-7 (Spitzer 2006): 0-4, 5-9, 10-14, 15-21
    "gad-7, 4, minimal",
    "gad-7, 5, mild",
    "gad-7, 10, moderate",
    "gad-7, 14, moderate",
    "gad-7, 15, severe",
    "gad-7, 21, severe",
    // group readiness (this project's): under 10, 10-15, 16 and more
    "group-readiness, 9, not-ready",
    "group-readiness, 10, partly-ready",
    "group-readiness, 15, partly-ready",
    "group-readiness, 16, ready"
  })
  void totalsFallIntoThePublishedBands(String instrument, int total, String band) {
    assertThat(Screening.band(url(instrument), total)).isEqualTo(band);
  }

  @Test
  void anyAnswerAboveZeroToPhq9Item9AsksForAClinician() throws IOException {
    Questionnaire phq9 = questionnaire("phq-9");
    QuestionnaireResponse none = answered(phq9, 0);
    QuestionnaireResponse some = answered(phq9, 1);
    Screening.Score calm = Screening.score(none, phq9);
    Screening.Score flagged = Screening.score(some, phq9);
    assertThat(calm.clinicianReview()).isFalse();
    assertThat(flagged.clinicianReview()).isTrue();
    assertThat(flagged.total()).isEqualTo(calm.total() + 1);
  }

  /** Every item answered with its first option, item 9 with its option number {@code item9}. */
  private static QuestionnaireResponse answered(Questionnaire questionnaire, int item9) {
    QuestionnaireResponse response = new QuestionnaireResponse();
    response.setQuestionnaire(questionnaire.getUrl());
    response.setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED);
    for (Questionnaire.QuestionnaireItemComponent item : questionnaire.getItem()) {
      if (item.getAnswerOption().isEmpty()) {
        continue;
      }
      Coding chosen = (Coding) item.getAnswerOption().get(0).getValue();
      if (IntakeCodes.PHQ9_ITEM_9.equals(item.getLinkId())) {
        chosen = (Coding) item.getAnswerOption().get(item9).getValue();
      }
      response.addItem().setLinkId(item.getLinkId()).addAnswer().setValue(chosen.copy());
    }
    return response;
  }

  private static Questionnaire questionnaire(String id) throws IOException {
    try (InputStream in =
        ScreeningScoreTest.class.getResourceAsStream(
            "/fhir-profiles/package/Questionnaire-" + id + ".json")) {
      return FHIR.newJsonParser().parseResource(Questionnaire.class, in);
    }
  }

  private static String url(String id) {
    return switch (id) {
      case "phq-9" -> IntakeCodes.PHQ9;
      case "gad-7" -> IntakeCodes.GAD7;
      default -> IntakeCodes.READINESS;
    };
  }
}
