// Cloud Function (gen2, HTTP) writing the public status page to its own bucket, invoked by Cloud Scheduler.
import { http } from '@google-cloud/functions-framework';
import { statusPageHandler } from '../shared/status/publish.ts';

http('statusPage', statusPageHandler(process.env));
