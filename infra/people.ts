import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { ROLES } from "../shared/auth/roles.ts";

export interface PeopleProps {
  /** `optional`: each person may turn on an authenticator app (TOTP); `required`: everyone must; `off`: nobody can. */
  mfa: "off" | "optional" | "required";
  /** Shortest password Cognito accepts; upper and lower case, a digit and a symbol are always required. */
  passwordMinLength: number;
  /** Named in the invitation email. */
  businessName: string;
  /** Where the invitation sends people to sign in (the dashboard). */
  dashboardUrl: string;
}

const MFA: Record<PeopleProps["mfa"], cognito.Mfa> = { off: cognito.Mfa.OFF, optional: cognito.Mfa.OPTIONAL, required: cognito.Mfa.REQUIRED };

/**
 * The people who sign in to Rapport (owners and staff): an Amazon Cognito user pool holding who
 * they are and their passwords (Rapport's code never stores or checks one), a group per role,
 * and the dashboard's app client. Nobody signs up: an owner adds people (`rapport people add`),
 * and Cognito emails each an invitation with a temporary password to change on first sign-in.
 *
 * The Lite feature plan: free for the first 10,000 monthly active users, far more than a small
 * business's team. The pool is kept when the stack is deleted (and protected from deletion), so
 * removing the stack never locks the team out of a redeployed one by surprise.
 */
export class People extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: PeopleProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, "UserPool", {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      passwordPolicy: {
        minLength: props.passwordMinLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: MFA[props.mfa],
      ...(props.mfa === "off" ? {} : { mfaSecondFactor: { otp: true, sms: false } }),
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.LITE,
      userInvitation: {
        emailSubject: `You are invited to ${props.businessName} on Rapport`,
        emailBody: `You have been added to ${props.businessName}'s customer records on Rapport. Sign in at ${props.dashboardUrl} with your email {username} and the temporary password {####}, then choose your own password. The temporary password works for 7 days.`,
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const role of ROLES) {
      new cognito.CfnUserPoolGroup(this, `${role === "owner" ? "Owner" : "Staff"}Group`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description:
          role === "owner"
            ? "Owners: everything, including erasure, people, API keys and campaign edits"
            : "Staff: day-to-day work; no erasure, people, API keys or campaign edits",
      });
    }
    this.client = this.userPool.addClient("Dashboard", {
      userPoolClientName: "dashboard",
      // A browser app cannot keep a secret.
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    Validations.of(this.userPool).acknowledge({
      id: "AwsSolutions-COG8",
      reason:
        "Lite feature plan on purpose: free for the first 10,000 monthly active users, while Plus (threat protection) is charged per user. A small team signs in with strong passwords, optional TOTP, and access that ends the moment an owner removes someone.",
    });
    if (props.mfa !== "required") {
      Validations.of(this.userPool).acknowledge({
        id: "AwsSolutions-COG2",
        reason: `MFA is ${props.mfa} by the deployment's choice (rapport:peopleMfa); set it to required to make every person use an authenticator app.`,
      });
    }
  }

  get userPoolId(): string {
    return this.userPool.userPoolId;
  }

  get clientId(): string {
    return this.client.userPoolClientId;
  }

  /** The admin calls the people directory makes (add, look up, put in a group, remove), on this pool only. */
  grantManage(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser", "cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminDeleteUser"],
        resources: [this.userPool.userPoolArn],
      }),
    );
  }
}
