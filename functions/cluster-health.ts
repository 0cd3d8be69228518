// Cloud Function (gen2, HTTP) for the clusterHealth check, invoked by Cloud Scheduler.
import { http } from '@google-cloud/functions-framework';
import { checkHandler } from '../shared/function-handler.ts';

http('clusterHealth', checkHandler('clusterHealth', process.env));
