// Cloud Function (gen2, HTTP) for the trafficVsPods check, invoked by Cloud Scheduler.
import { http } from '@google-cloud/functions-framework';
import { checkHandler } from '../shared/function-handler.ts';

http('trafficVsPods', checkHandler('trafficVsPods', process.env));
