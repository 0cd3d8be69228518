// Cloud Function (gen2, HTTP) for the nodeHeadroom check, invoked by Cloud Scheduler.
import { http } from '@google-cloud/functions-framework';
import { checkHandler } from '../shared/function-handler.ts';

http('nodeHeadroom', checkHandler('nodeHeadroom', process.env));
