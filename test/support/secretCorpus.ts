/**
 * A corpus of realistic secrets in realistic files (issue 11, point 2): each case is a file a developer might
 * select, with the secret values it contains. Secret-shaped values are assembled at run time so the repository
 * never holds one verbatim (secret scanners would flag it); all are fake.
 */
import { FAKE } from './opikFixtures';

const rep = (s: string, n: number): string => s.repeat(Math.ceil(n / s.length)).slice(0, n);

export interface SecretCase {
  name: string;
  language: string;
  text: string;
  /** Every value that must never leave the machine. */
  secrets: string[];
}

const awsSecret = rep('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 40);
const slackUser = `xo${'xp'}-2345678901-3456789012-4567890123-${rep('9f8e7d6c5b4a', 32)}`;
const stripeTest = `sk${'_test_'}${rep('51HaBcDeFgHiJkLmN', 32)}`;
const stripeRestricted = `rk${'_live_'}${rep('51ZyXwVuTsRqPo', 40)}`;
const whsec = `wh${'sec_'}${rep('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 32)}`;
const ghOauth = `gh${'o_'}${rep('16C7e42F292c6912E7710c838347Ae178B4a', 36)}`;
const ghApp = `gh${'s_'}${rep('Abc123Def456Ghi789', 36)}`;
const googleOauth = `ya${'29.'}${rep('a0AfH6SMBx-Q2w3e4r5t6y7u8i9o0p', 60)}`;
const slackHook = `https://hooks.slack.com/services/T0${'0000000'}/B00000000/${rep('XXXXXXXXXXXXXXXXXXXXXXXX', 24)}`;
const mailgun = `ke${'y-'}${rep('3ax6xnjp29jd6fds4gc373sgvjxteol0', 32)}`;
const pgPassword = 'Pg-s3cr3t!2024';
const redisPassword = 'r3d1s-Only-Pass';
const mongoPassword = 'M0ng0Pa55word';
const dbPassword = 'hunter2-Correct-Horse';
const apiKeyValue = 'c0ffee1234deadbeef5678cafe';
const djangoSecret = 'django-insecure-8x#v!q2$k@p9z&w7m^r4t%y1u';
const jwtSecret = 'my-jwt-signing-secret-42';
const basic = Buffer.from('admin:Adm1nPassw0rd').toString('base64');
const bearer = rep('eyJhYmMiOiJkZWYifQ0123456789', 40);
const ecKey = `-----BEGIN ${'EC '}PRIVATE KEY-----\nMHcCAQEEI${rep('Bx7K', 56)}\noAoGCCqGSM49AwEHoUQDQgAE${rep('q9Lw', 40)}\n-----END EC PRIVATE KEY-----`;
const opensshKey = `-----BEGIN ${'OPENSSH '}PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${rep('Qm9v', 64)}\n${rep('ZXhh', 64)}\n-----END OPENSSH PRIVATE KEY-----`;
const passwordInProse = 'Tr0ub4dor&3';

export const SECRET_CORPUS: SecretCase[] = [
  { name: '.env', language: 'dotenv', secrets: [FAKE.openai, FAKE.stripe, dbPassword, apiKeyValue, jwtSecret], text:
    `NODE_ENV=production\nPORT=8080\nOPENAI_API_KEY=${FAKE.openai}\nSTRIPE_SECRET_KEY=${FAKE.stripe}\nDB_PASSWORD=${dbPassword}\nMY_SERVICE_API_KEY=${apiKeyValue}\nJWT_SECRET=${jwtSecret}\nLOG_LEVEL=info\n` },
  { name: 'aws credentials', language: 'ini', secrets: [FAKE.aws, awsSecret], text:
    `[default]\naws_access_key_id = ${FAKE.aws}\naws_secret_access_key = ${awsSecret}\nregion = eu-west-1\n` },
  { name: 'config.ts', language: 'typescript', secrets: [FAKE.google, FAKE.github, stripeTest], text:
    `export const config = {\n  gemini: { apiKey: "${FAKE.google}" },\n  github: new Octokit({ auth: '${FAKE.github}' }),\n  stripe: new Stripe('${stripeTest}', { apiVersion: '2024-06-20' }),\n  retries: 3,\n};\n` },
  { name: 'settings.py', language: 'python', secrets: [djangoSecret, pgPassword], text:
    `SECRET_KEY = '${djangoSecret}'\nDEBUG = False\nDATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n        'NAME': 'app',\n        'PASSWORD': '${pgPassword}',\n        'HOST': 'db',\n    }\n}\n` },
  { name: 'connection strings', language: 'yaml', secrets: [pgPassword, redisPassword, mongoPassword], text:
    `database:\n  url: postgres://app:${pgPassword}@db.internal:5432/app\ncache:\n  url: redis://:${redisPassword}@cache:6379/0\nevents: mongodb+srv://svc:${mongoPassword}@cluster0.example.net/events?retryWrites=true\n` },
  { name: 'slack bot', language: 'javascript', secrets: [FAKE.slack, slackUser, slackHook], text:
    `const web = new WebClient("${FAKE.slack}");\nconst admin = new WebClient(process.env.SLACK_ADMIN || "${slackUser}");\nawait fetch("${slackHook}", { method: "POST", body });\n` },
  { name: 'stripe webhook', language: 'go', secrets: [whsec, stripeRestricted], text:
    `const endpointSecret = "${whsec}"\nvar restricted = "${stripeRestricted}"\nfunc handler(w http.ResponseWriter, r *http.Request) {}\n` },
  { name: 'github actions', language: 'yaml', secrets: [FAKE.githubPat, ghOauth, ghApp], text:
    `env:\n  GH_TOKEN: ${FAKE.githubPat}\nsteps:\n  - run: git clone https://x-access-token:${ghApp}@github.com/acme/app.git\n  - run: curl -H "Authorization: token ${ghOauth}" https://api.github.com/user\n` },
  { name: 'curl with bearer and basic', language: 'shellscript', secrets: [bearer, basic], text:
    `curl -H "Authorization: Bearer ${bearer}" https://api.example.com/v1/items\ncurl -H "Authorization: Basic ${basic}" https://legacy.example.com/\n` },
  { name: 'jwt in a test', language: 'typescript', secrets: [FAKE.jwt], text:
    `it('decodes', () => {\n  const token = decode("${FAKE.jwt}");\n  expect(token.sub).toBe('1234567890');\n});\n` },
  { name: 'private keys', language: 'plaintext', secrets: [FAKE.pem.split('\n')[1]!, ecKey.split('\n')[1]!, opensshKey.split('\n')[2]!], text:
    `${FAKE.pem}\n\n${ecKey}\n\n${opensshKey}\n` },
  { name: 'terraform', language: 'terraform', secrets: [FAKE.anthropic, dbPassword], text:
    `provider "anthropic" {\n  api_key = "${FAKE.anthropic}"\n}\nresource "aws_db_instance" "main" {\n  username = "app"\n  password = "${dbPassword}"\n}\n` },
  { name: 'google oauth and mailgun', language: 'python', secrets: [googleOauth, mailgun], text:
    `creds = Credentials(token="${googleOauth}")\nmg = requests.post(url, auth=("api", "${mailgun}"))\n` },
  { name: 'docker-compose', language: 'yaml', secrets: [pgPassword, apiKeyValue], text:
    `services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${pgPassword}\n      - INTERNAL_API_KEY=${apiKeyValue}\n` },
  { name: 'k8s secret', language: 'yaml', secrets: [jwtSecret, mongoPassword], text:
    `apiVersion: v1\nkind: Secret\nstringData:\n  jwt-secret: "${jwtSecret}"\n  mongo-password: "${mongoPassword}"\n` },
  { name: 'xml config', language: 'xml', secrets: [dbPassword], text:
    `<datasource>\n  <user>app</user>\n  <password>${dbPassword}</password>\n</datasource>\n` },
  { name: 'password in a comment', language: 'typescript', secrets: [passwordInProse], text:
    `// The staging admin password is ${passwordInProse} (rotate after the demo)\nlogin(admin, readPassword());\n` },
];

/** Every secret of the corpus, once. */
export const ALL_SECRETS = [...new Set(SECRET_CORPUS.flatMap((c) => c.secrets))];
