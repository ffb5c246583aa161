package org.grouptherapy.security;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.grouptherapy.fhir.ServerUrls;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * SMART EHR launch from this server: a signed-in user opens an app for a patient they may open (the
 * picker's rule: a therapist their caseload; a VA, biller or administrator anyone) at {@code GET
 * /launch/ehr?client_id=…&patient=…[&encounter=…]}. The server makes a launch and sends the browser
 * to the app's registered launch URL with {@code iss} and {@code launch}; the app then authorizes
 * with the {@code launch} scope, and its token carries the patient (and encounter). Every launch,
 * and every refusal, is audited.
 */
// Part of the embedded authorization server: absent when an external issuer signs the tokens.
@ConditionalOnExpression("'${app.security.issuer-uri:}'.isEmpty()")
@Controller
class EhrLaunchController {

  static final String PATH = "/launch/ehr";

  /** The client setting holding an app's SMART launch URL. */
  static final String LAUNCH_URI = "settings.client.smart-launch-uri";

  private final RegisteredClientRepository clients;
  private final PatientPickerController picker;
  private final SmartLaunches launches;
  private final ServerUrls urls;
  private final AuditTrail audit;

  EhrLaunchController(
      RegisteredClientRepository clients,
      PatientPickerController picker,
      SmartLaunches launches,
      ServerUrls urls,
      AuditTrail audit) {
    this.clients = clients;
    this.picker = picker;
    this.launches = launches;
    this.urls = urls;
    this.audit = audit;
  }

  @GetMapping(PATH)
  Object launch(
      @RequestParam("client_id") String clientId,
      @RequestParam String patient,
      @RequestParam(required = false) String encounter,
      Authentication user,
      HttpServletRequest request) {
    RegisteredClient client = clients.findByClientId(clientId);
    Object launchUri =
        client == null ? null : client.getClientSettings().getSettings().get(LAUNCH_URI);
    if (launchUri == null) {
      return PatientPickerController.problem(
          HttpStatus.BAD_REQUEST, "No app with a SMART launch URL is registered as " + clientId);
    }
    SmartAccess who = picker.access(user, clientId);
    if (!picker.mayOpen(who, patient)) {
      audit.patientPicker(request, who, "Patient/" + patient, 403, "SMART EHR launch refused");
      return PatientPickerController.problem(
          HttpStatus.FORBIDDEN, "You may not open that patient's record.");
    }
    String launch = launches.create(clientId, user.getName(), patient, encounter);
    audit.patientPicker(request, who, "Patient/" + patient, 200, "SMART EHR launch of " + clientId);
    String target =
        launchUri
            + (launchUri.toString().contains("?") ? "&" : "?")
            + "iss="
            + URLEncoder.encode(urls.fhirBaseUrl(), StandardCharsets.UTF_8)
            + "&launch="
            + URLEncoder.encode(launch, StandardCharsets.UTF_8);
    return ResponseEntity.status(HttpStatus.FOUND).header("Location", target).build();
  }
}
