import { Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

/**
 * The shop connections' webhook signing secrets: one Secrets Manager secret holding a JSON
 * object, a key per platform (`{"stripe":"whsec_…"}`). It starts empty; `npx rapport --stack NAME
 * connections add <platform> --secret S` writes it with the operator's credentials, so a secret
 * never appears in the template, in context or in a repository. The hooks function may only read it.
 */
export class ConnectionSecrets extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, "Secret", {
      description: "Rapport: the shop connections' webhook signing secrets (JSON, a key per platform), written by `rapport connections add`",
      // An empty object, not a generated password: the CLI adds keys to it. CloudFormation never
      // writes it again after creation, since this value never changes.
      secretObjectValue: {},
    });
    Validations.of(this.secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rotated at the platforms, not here: Stripe, Shopify and WooCommerce issue the webhook signing secrets, and `rapport connections add` stores the new one when it is rolled there.",
    });
  }

  get secretArn(): string {
    return this.secret.secretArn;
  }

  /** `secretsmanager:GetSecretValue` on this secret only: for the hooks function. */
  grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [this.secret.secretArn] }));
  }
}
