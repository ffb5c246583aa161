package org.grouptherapy.support;

import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;

/** Referrals and screening questionnaire responses, as an EHR or the VA app would send them. */
public final class Screenings {

  public static final String Q = Fixtures.BASE + "/Questionnaire/";
  private static final String[] FREQUENCY = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
  private static final String[] AGREEMENT = {
    "strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"
  };

  private Screenings() {}

  /** A referral for group psychotherapy, with a reason (ICD-10-CM). */
  public static ServiceRequest referral(String patient, String requester, String reasonIcd10) {
    ServiceRequest referral = new ServiceRequest();
    referral.addIdentifier().setSystem(Fixtures.TEST_SYSTEM).setValue(Fixtures.uniqueId());
    referral.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
    referral.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    referral
        .getCode()
        .addCoding()
        .setSystem("http://snomed.info/sct")
        .setCode("76168009")
        .setDisplay("Group psychotherapy");
    referral.setSubject(new Reference(patient));
    if (requester != null) {
      referral.setRequester(new Reference(requester));
    }
    referral
        .addReasonCode()
        .addCoding()
        .setSystem("http://hl7.org/fhir/sid/icd-10-cm")
        .setCode(reasonIcd10);
    return referral;
  }

  /** A completed PHQ-9 (nine answers 0-3) or GAD-7 (seven answers 0-3). */
  public static QuestionnaireResponse frequency(
      String questionnaire, String patient, int... answers) {
    QuestionnaireResponse response = response(questionnaire, patient);
    for (int i = 0; i < answers.length; i++) {
      response
          .addItem()
          .setLinkId(String.valueOf(i + 1))
          .addAnswer()
          .setValue(new Coding("http://loinc.org", FREQUENCY[answers[i]], null));
    }
    return response;
  }

  public static QuestionnaireResponse phq9(String patient, int... answers) {
    return frequency("phq-9", patient, answers);
  }

  public static QuestionnaireResponse gad7(String patient, int... answers) {
    return frequency("gad-7", patient, answers);
  }

  /** A completed group readiness questionnaire: six agreement answers 0-4, windows and mode. */
  public static QuestionnaireResponse readiness(
      String patient, int[] agreement, List<String> windows, String mode) {
    QuestionnaireResponse response = response("group-readiness", patient);
    for (int i = 0; i < agreement.length; i++) {
      response
          .addItem()
          .setLinkId("r" + (i + 1))
          .addAnswer()
          .setValue(
              new Coding(Fixtures.BASE + "/CodeSystem/agreement", AGREEMENT[agreement[i]], null));
    }
    var availability = response.addItem().setLinkId("availability");
    for (String window : windows) {
      availability
          .addAnswer()
          .setValue(new Coding(Fixtures.BASE + "/CodeSystem/availability-window", window, null));
    }
    response
        .addItem()
        .setLinkId("attendance-mode")
        .addAnswer()
        .setValue(new Coding(Fixtures.BASE + "/CodeSystem/attendance-mode", mode, null));
    return response;
  }

  private static QuestionnaireResponse response(String questionnaire, String patient) {
    QuestionnaireResponse response = new QuestionnaireResponse();
    response.setQuestionnaire(Q + questionnaire);
    response.setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED);
    response.setSubject(new Reference(patient));
    response.setAuthored(new Date());
    return response;
  }
}
