package org.grouptherapy.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The HL7 validator with the server's own validation support (the project's profiles): for the
 * resources the server writes as its own ({@code ServerWrites.writer}), which the storage layer
 * does not validate, a test checks what was written against the profile it claims.
 */
public final class ProfileConformance {

  private final FhirValidator validator;

  public ProfileConformance(FhirContext fhirContext, IValidatorModule validatorModule) {
    this.validator = fhirContext.newValidator();
    validator.registerValidatorModule(validatorModule);
  }

  /** The errors (location: message) the validator finds; empty when the resource conforms. */
  public List<String> errors(IBaseResource resource) {
    return validator.validateWithResult(resource).getMessages().stream()
        .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
        .map(m -> m.getLocationString() + ": " + m.getMessage())
        .toList();
  }
}
