package org.grouptherapy.security;

import static org.grouptherapy.kernel.access.OperationPermit.onServer;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Date;
import java.util.List;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.access.CallerGrants;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * {@code POST [base]/$rotate-signing-key}: the embedded authorization server's key rotation
 * (docs/security.md, "Signing keys"). The new key is published at once and signs from {@code
 * signsFrom}; the old one signs until then and stays published until its tokens have expired.
 * Nothing else changes: sessions and refresh tokens stay valid.
 */
@Component
class SigningKeyOperations implements FhirOperationProvider, OperationAccess {

  private final ObjectProvider<SigningKeys> keys;

  SigningKeyOperations(ObjectProvider<SigningKeys> keys) {
    this.keys = keys;
  }

  @Override
  public List<OperationPermit> permits() {
    return List.of(
        onServer(
            OperationNames.ROTATE_SIGNING_KEY,
            SigningKeyOperations::administers,
            "an administrator (user with the admin role), or a system client with"
                + " system/Organization write"));
  }

  private static boolean administers(CallerGrants grants) {
    return grants.caller().isUser()
        ? grants.caller().has(Role.ADMIN)
        : grants.isSystem() && grants.writesAnywhere("Organization");
  }

  @Operation(name = OperationNames.ROTATE_SIGNING_KEY)
  public Parameters rotate(@ca.uhn.fhir.rest.annotation.ResourceParam Parameters parameters) {
    if (parameters != null && parameters.hasParameter()) {
      String name = parameters.getParameterFirstRep().getName();
      throw org.grouptherapy.kernel.InvalidParameter.malformed(
          name, "Unknown parameter " + name + ": $rotate-signing-key takes no parameters");
    }
    SigningKeys signing = keys.getIfAvailable();
    if (signing == null) {
      throw new UnprocessableEntityException(
          "Tokens are issued by the external identity provider (app.security.issuer-uri):"
              + " rotate its keys there");
    }
    SigningKeys.StoredKey added = signing.rotate();
    Parameters out = new Parameters();
    out.addParameter().setName("kid").setValue(new StringType(added.jwk().getKeyID()));
    out.addParameter().setName("signsFrom").setValue(new InstantType(Date.from(added.signsFrom())));
    signing
        .keys()
        .getKeys()
        .forEach(
            k -> out.addParameter().setName("published").setValue(new StringType(k.getKeyID())));
    return out;
  }
}
