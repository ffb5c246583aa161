package org.grouptherapy.billing;

import static org.grouptherapy.kernel.access.OperationPermit.onInstances;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.stereotype.Component;
import org.thymeleaf.ITemplateEngine;
import org.thymeleaf.context.Context;

/**
 * {@code GET Appointment/[id]/$coder-review}: a session's documentation package for coder review,
 * as a FHIR Bundle or ({@code format=html}) a printable page. For those who may read both claims
 * and session notes (a coder, an administrator): a biller reads claims but no notes.
 */
@Component
class CoderReviewOperations implements FhirOperationProvider, OperationAccess {

  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("EEEE d MMMM yyyy, HH:mm", Locale.US);

  private final CoderReview reviews;
  private final ITemplateEngine templates;
  private final PracticeTime time;

  CoderReviewOperations(CoderReview reviews, ITemplateEngine templates, PracticeTime time) {
    this.reviews = reviews;
    this.templates = templates;
    this.time = time;
  }

  @Override
  public List<OperationPermit> permits() {
    return List.of(
        onInstances(
            OperationNames.CODER_REVIEW,
            Appointment.class,
            g -> g.readsAnywhere("Claim") && g.readsAnywhere("DocumentReference"),
            "Claim and DocumentReference read anywhere (user/Claim.rs user/DocumentReference.rs):"
                + " a coder or an administrator"));
  }

  @Operation(name = OperationNames.CODER_REVIEW, type = Appointment.class, idempotent = true)
  public IBaseResource review(
      @IdParam IdType session, @OperationParam(name = "format", max = 1) CodeType format) {
    String as = format == null || !format.hasValue() ? "fhir" : format.getValue();
    if (!List.of("fhir", "html").contains(as)) {
      throw InvalidParameter.malformed("format", "format must be fhir (a Bundle) or html (a page)");
    }
    CoderReview.Review review = reviews.review(References.unversioned(session.getValue()));
    if ("fhir".equals(as)) {
      return CoderReview.bundle(review);
    }
    Context context = new Context(Locale.US);
    ZoneId zone = time.zoneOf(review.group());
    context.setVariable("review", review);
    context.setVariable(
        "when",
        WHEN.format(review.session().getStart().toInstant().atZone(zone)) + " (" + zone + ")");
    Binary page = new Binary();
    page.setContentType("text/html");
    page.setData(templates.process("coder-review", context).getBytes(StandardCharsets.UTF_8));
    return page;
  }
}
