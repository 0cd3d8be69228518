// Cloud Function (gen2, HTTP) for the launchProbe check, invoked by Cloud Scheduler.
import { http } from '@google-cloud/functions-framework';
import { checkHandler } from '../shared/function-handler.ts';

http('launchProbe', checkHandler('launchProbe', process.env));
