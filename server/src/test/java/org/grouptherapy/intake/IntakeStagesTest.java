package org.grouptherapy.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The intake stage machine: moves in order, closing from any open stage, nothing after the end. */
class IntakeStagesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // one stage on, or closed, or back: allowed for anyone
    "referral-received, screening-scheduled",
    "screening-done, consents-signed",
    "orientation-sent, first-session-attended",
    "screening-scheduled, closed-declined",
    "consents-signed, closed-no-response",
    "consents-signed, screening-done"
  })
  void aClientMovesOneStageAtATime(String from, String to) {
    assertThat(IntakeStages.move(from, to, false)).isEmpty();
  }

  @Test
  void aClientMayNotJumpAStageAndIsToldWhichComeFirst() {
    assertThatThrownBy(() -> IntakeStages.move("referral-received", "consents-signed", false))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining("screening-scheduled, screening-done come first");
  }

  @Test
  void theServerPassesStagesAndNamesThem() {
    assertThat(IntakeStages.move("screening-done", "orientation-sent", true))
        .containsExactly("consents-signed", "placement-decided");
  }

  @ParameterizedTest
  @CsvSource({"first-session-attended", "closed-declined", "closed-not-suitable"})
  void aFinishedIntakeMovesNoMore(String finished) {
    assertThatThrownBy(() -> IntakeStages.move(finished, "screening-done", true))
        .hasMessageContaining("finished");
  }

  @Test
  void anUnknownStageIsRefusedListingTheStages() {
    assertThatThrownBy(() -> IntakeStages.move("referral-received", "almost-there", false))
        .hasMessageContaining("Unknown intake stage almost-there")
        .hasMessageContaining("referral-received");
  }

  @Test
  void eachStageMeansATaskStatusAndANextAction() {
    assertThat(IntakeStages.status("referral-received")).isEqualTo(Task.TaskStatus.REQUESTED);
    assertThat(IntakeStages.status("screening-done")).isEqualTo(Task.TaskStatus.INPROGRESS);
    assertThat(IntakeStages.status("first-session-attended")).isEqualTo(Task.TaskStatus.COMPLETED);
    assertThat(IntakeStages.status("closed-declined")).isEqualTo(Task.TaskStatus.CANCELLED);
    for (String stage : IntakeStages.STAGES.subList(0, IntakeStages.STAGES.size() - 1)) {
      assertThat(IntakeStages.nextAction(stage)).as(stage).isNotEqualTo(IntakeStages.NO_ACTION);
    }
    assertThat(IntakeStages.nextAction("first-session-attended")).isEqualTo(IntakeStages.NO_ACTION);
    assertThat(IntakeStages.display("screening-done")).isEqualTo("Screening done");
  }
}
