// Cloud Function (gen2, HTTP) for the binderHealth check, invoked by Cloud Scheduler.
import { http } from '@google-cloud/functions-framework';
import { checkHandler } from '../shared/function-handler.ts';

http('binderHealth', checkHandler('binderHealth', process.env));
